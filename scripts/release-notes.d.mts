export function versionOf(tag: string): string;
export function releaseNotes(changelog: string, tag: string): string;
