// The sandbox tenancy's network: one VCN with one regional public subnet, the only network a bare tenancy
// has (ARCHITECTURE.md: "a VCN subnet (its OCID under a key named `subnetId`)"). There is no Networking API
// emulator: Functions CreateApplication and API Gateway CreateGateway check their subnetId against this.
export interface SandboxNetwork {
  vcnId: string;
  subnetId: string;
  compartmentId: string;
  /** True for a subnet of the tenancy (the one subnet). */
  hasSubnet(id: string): boolean;
}

export function createNetwork(p: { vcnId: string; subnetId: string; compartmentId: string }): SandboxNetwork {
  return { ...p, hasSubnet: (id) => id === p.subnetId };
}
