import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  EXPIRY_MARGIN_MS,
  ExactSum,
  FatalReportError,
  OUTPUTS,
  TokenClient,
  ZERO,
  abs,
  add,
  commitReports,
  compare,
  divide,
  focusColumns,
  focusGroupBy,
  formatExact,
  formatFixed,
  multiply,
  parseDecimal,
  previousMonth,
  reportColumns,
  requestTimeouts,
  retryCall,
  rowValues,
  smallDecimalParts,
  subtract,
  tagsOf,
  timeLeft,
  windowOf
} from "./chunk-DJSBC4TP.js";
import {
  AtomicFileWriter,
  removeStaleTemps
} from "./chunk-R77YOO5S.js";
import {
  runnerLog
} from "./chunk-BUR4R7A2.js";
import "./chunk-LWWDIQQV.js";
import {
  GithubOidcError,
  describeToken,
  githubIdToken
} from "./chunk-J4JFFB6M.js";
import {
  DEFAULT_TIMEOUTS,
  RetryDeadlineError,
  RetryableHttpError,
  createAgent,
  isRetryableStatus,
  parseRetryAfter,
  readBodyBytes,
  realSleep,
  require_undici,
  setOutput,
  summary
} from "./chunk-QRUMXL3U.js";
import "./chunk-X67DKTTP.js";
import "./chunk-TEULXIZG.js";
import {
  UserFacingError,
  __toESM,
  clip,
  flatten,
  oneLine,
  safeLogLine,
  sanitizeServerText
} from "./chunk-OUAI6Q5P.js";

// src/report/index.ts
import { readdir, rmdir } from "node:fs/promises";
import { join, posix } from "node:path";

// src/report/anomalies.ts
var HUNDRED = parseDecimal(100);
var OUTPUT_MAX_ITEMS = 100;
function findAnomalies(months, baseline, thresholds) {
  return comparedPairs(months, baseline).flatMap(([previous, current]) => [
    ...compareLines("service", previous, current, thresholds),
    ...compareLines("compartment", previous, current, thresholds)
  ]);
}
function comparedPairs(months, baseline) {
  const known = /* @__PURE__ */ new Map();
  if (baseline) known.set(baseline.month, baseline);
  for (const m of months) known.set(m.month, m);
  const pairs = [];
  for (const current of months) {
    const previous = known.get(previousMonth(current.month));
    if (comparable(previous, current)) pairs.push([previous, current]);
  }
  return pairs;
}
function comparable(previous, current) {
  return !current.partial && previous !== void 0 && previous.rows > 0 && previous.currency === current.currency;
}
function compareLines(dimension, previous, current, thresholds) {
  const pick = (m) => new Map(dimension === "service" ? m.byService : m.byCompartment);
  const before = pick(previous);
  const now = pick(current);
  const found = [];
  for (const name of /* @__PURE__ */ new Set([...before.keys(), ...now.keys()])) {
    const line = classify(before.get(name), now.get(name), dimension, thresholds);
    if (!line) continue;
    found.push({ month: current.month, previousMonth: previous.month, dimension, name, ...line });
  }
  return found.sort(
    (a, b) => compare(abs(b.change), abs(a.change)) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  );
}
function classify(before, now, dimension, thresholds) {
  const previous = before ?? ZERO;
  const current = now ?? ZERO;
  const change2 = subtract(current, previous);
  const had = compare(previous, ZERO) !== 0;
  const has = compare(current, ZERO) !== 0;
  if (dimension === "service" && had !== has) {
    return {
      kind: has ? "new" : "vanished",
      previous,
      current,
      change: change2,
      percent: percentOf(change2, previous)
    };
  }
  if (!had || compare(abs(change2), thresholds.amount) < 0) return void 0;
  const percent = percentOf(change2, previous);
  if (percent === void 0 || compare(abs(percent), thresholds.percent) < 0) return void 0;
  return { kind: compare(change2, ZERO) > 0 ? "increase" : "decrease", previous, current, change: change2, percent };
}
function percentOf(change2, previous) {
  return divide(multiply(change2, HUNDRED), abs(previous), 1);
}
function anomaliesOutput(anomalies, thresholds, currency) {
  return JSON.stringify({
    count: anomalies.length,
    currency,
    thresholds: { percent: formatExact(thresholds.percent), amount: formatExact(thresholds.amount) },
    items: anomalies.slice(0, OUTPUT_MAX_ITEMS).map((a) => ({
      month: a.month,
      previousMonth: a.previousMonth,
      dimension: a.dimension,
      name: a.name,
      kind: a.kind,
      previous: formatExact(a.previous),
      current: formatExact(a.current),
      change: formatExact(a.change),
      percent: a.percent === void 0 ? null : formatFixed(a.percent, 1)
    })),
    truncated: anomalies.length > OUTPUT_MAX_ITEMS
  });
}

// node_modules/csv-stringify/lib/utils/get.js
var charCodeOfDot = ".".charCodeAt(0);
var reEscapeChar = /\\(\\)?/g;
var rePropName = RegExp(
  // Match anything that isn't a dot or bracket.
  `[^.[\\]]+|\\[(?:([^"'][^[]*)|(["'])((?:(?!\\2)[^\\\\]|\\\\.)*?)\\2)\\]|(?=(?:\\.|\\[\\])(?:\\.|\\[\\]|$))`,
  "g"
);
var reIsDeepProp = /\.|\[(?:[^[\]]*|(["'])(?:(?!\1)[^\\]|\\.)*?\1)\]/;
var reIsPlainProp = /^\w*$/;
var getTag = function(value) {
  return Object.prototype.toString.call(value);
};
var isSymbol = function(value) {
  const type = typeof value;
  return type === "symbol" || type === "object" && value && getTag(value) === "[object Symbol]";
};
var isKey = function(value, object) {
  if (Array.isArray(value)) {
    return false;
  }
  const type = typeof value;
  if (type === "number" || type === "symbol" || type === "boolean" || !value || isSymbol(value)) {
    return true;
  }
  return reIsPlainProp.test(value) || !reIsDeepProp.test(value) || object != null && value in Object(object);
};
var stringToPath = function(string) {
  const result = [];
  if (string.charCodeAt(0) === charCodeOfDot) {
    result.push("");
  }
  string.replace(rePropName, function(match, expression, quote, subString) {
    let key = match;
    if (quote) {
      key = subString.replace(reEscapeChar, "$1");
    } else if (expression) {
      key = expression.trim();
    }
    result.push(key);
  });
  return result;
};
var castPath = function(value, object) {
  if (Array.isArray(value)) {
    return value;
  } else {
    return isKey(value, object) ? [value] : stringToPath(value);
  }
};
var toKey = function(value) {
  if (typeof value === "string" || isSymbol(value)) return value;
  const result = `${value}`;
  return result == "0" && 1 / value == -Infinity ? "-0" : result;
};
var get = function(object, path) {
  path = castPath(path, object);
  let index = 0;
  const length = path.length;
  while (object != null && index < length) {
    object = object[toKey(path[index++])];
  }
  return index && index === length ? object : void 0;
};

// node_modules/csv-stringify/lib/utils/is_object.js
var is_object = function(obj) {
  return typeof obj === "object" && obj !== null && !Array.isArray(obj);
};

// node_modules/csv-stringify/lib/api/normalize_columns.js
var normalize_columns = function(columns) {
  if (columns === void 0 || columns === null) {
    return [void 0, void 0];
  }
  if (typeof columns !== "object") {
    return [Error('Invalid option "columns": expect an array or an object')];
  }
  if (!Array.isArray(columns)) {
    const newcolumns = [];
    for (const k in columns) {
      newcolumns.push({
        key: k,
        header: columns[k]
      });
    }
    columns = newcolumns;
  } else {
    const newcolumns = [];
    for (const column of columns) {
      if (typeof column === "string") {
        newcolumns.push({
          key: column,
          header: column
        });
      } else if (typeof column === "object" && column !== null && !Array.isArray(column)) {
        if (!column.key) {
          return [
            Error('Invalid column definition: property "key" is required')
          ];
        }
        if (column.header === void 0) {
          column.header = column.key;
        }
        newcolumns.push(column);
      } else {
        return [
          Error("Invalid column definition: expect a string or an object")
        ];
      }
    }
    columns = newcolumns;
  }
  return [void 0, columns];
};

// node_modules/csv-stringify/lib/api/CsvError.js
var CsvError = class _CsvError extends Error {
  constructor(code, message, ...contexts) {
    if (Array.isArray(message)) message = message.join(" ");
    super(message);
    if (Error.captureStackTrace !== void 0) {
      Error.captureStackTrace(this, _CsvError);
    }
    this.code = code;
    for (const context of contexts) {
      for (const key in context) {
        const value = context[key];
        this[key] = Buffer.isBuffer(value) ? value.toString() : value == null ? value : JSON.parse(JSON.stringify(value));
      }
    }
  }
};

// node_modules/csv-stringify/lib/utils/underscore.js
var underscore = function(str) {
  return str.replace(/([A-Z])/g, function(_, match) {
    return "_" + match.toLowerCase();
  });
};

// node_modules/csv-stringify/lib/api/normalize_options.js
var normalize_options = function(opts) {
  const options = {};
  for (const opt in opts) {
    options[underscore(opt)] = opts[opt];
  }
  if (options.bom === void 0 || options.bom === null || options.bom === false) {
    options.bom = false;
  } else if (options.bom !== true) {
    return [
      new CsvError("CSV_OPTION_BOOLEAN_INVALID_TYPE", [
        "option `bom` is optional and must be a boolean value,",
        `got ${JSON.stringify(options.bom)}`
      ])
    ];
  }
  if (options.delimiter === void 0 || options.delimiter === null) {
    options.delimiter = ",";
  } else if (Buffer.isBuffer(options.delimiter)) {
    options.delimiter = options.delimiter.toString();
  } else if (typeof options.delimiter !== "string") {
    return [
      new CsvError("CSV_OPTION_DELIMITER_INVALID_TYPE", [
        "option `delimiter` must be a buffer or a string,",
        `got ${JSON.stringify(options.delimiter)}`
      ])
    ];
  }
  if (options.quote === void 0 || options.quote === null) {
    options.quote = '"';
  } else if (options.quote === true) {
    options.quote = '"';
  } else if (options.quote === false) {
    options.quote = "";
  } else if (Buffer.isBuffer(options.quote)) {
    options.quote = options.quote.toString();
  } else if (typeof options.quote !== "string") {
    return [
      new CsvError("CSV_OPTION_QUOTE_INVALID_TYPE", [
        "option `quote` must be a boolean, a buffer or a string,",
        `got ${JSON.stringify(options.quote)}`
      ])
    ];
  }
  if (options.quoted === void 0 || options.quoted === null) {
    options.quoted = false;
  } else {
  }
  if (options.escape_formulas === void 0 || options.escape_formulas === null) {
    options.escape_formulas = false;
  } else if (typeof options.escape_formulas !== "boolean") {
    return [
      new CsvError("CSV_OPTION_ESCAPE_FORMULAS_INVALID_TYPE", [
        "option `escape_formulas` must be a boolean,",
        `got ${JSON.stringify(options.escape_formulas)}`
      ])
    ];
  }
  if (options.quoted_empty === void 0 || options.quoted_empty === null) {
    options.quoted_empty = void 0;
  } else {
  }
  if (options.quoted_match === void 0 || options.quoted_match === null || options.quoted_match === false) {
    options.quoted_match = null;
  } else if (!Array.isArray(options.quoted_match)) {
    options.quoted_match = [options.quoted_match];
  }
  if (options.quoted_match) {
    for (const quoted_match of options.quoted_match) {
      const isString = typeof quoted_match === "string";
      const isRegExp = quoted_match instanceof RegExp;
      if (!isString && !isRegExp) {
        return [
          new CsvError("CSV_OPTION_QUOTED_MATCH", [
            "option `quoted_match` must be a string or a regex,",
            `got ${JSON.stringify(options.quoted_match)}`
          ])
        ];
      }
    }
  }
  if (options.quoted_string === void 0 || options.quoted_string === null) {
    options.quoted_string = false;
  } else {
  }
  if (options.eof === void 0 || options.eof === null) {
    options.eof = true;
  } else {
  }
  if (options.escape === void 0 || options.escape === null) {
    options.escape = '"';
  } else if (Buffer.isBuffer(options.escape)) {
    options.escape = options.escape.toString();
  } else if (typeof options.escape !== "string") {
    return [
      Error(
        `Invalid Option: escape must be a buffer or a string, got ${JSON.stringify(options.escape)}`
      )
    ];
  }
  if (options.escape.length > 1) {
    return [
      Error(
        `Invalid Option: escape must be one character, got ${options.escape.length} characters`
      )
    ];
  }
  if (options.header === void 0 || options.header === null || options.header === false) {
    options.header = false;
  } else if (options.header !== true) {
    throw new CsvError(
      "CSV_INVALID_OPTION_HEADER",
      [
        "option `header` is expected to be a boolean,",
        `got ${JSON.stringify(options.header)}`
      ],
      options
    );
  }
  if (options.header_as_comment === void 0 || options.header_as_comment === null || options.header_as_comment === false) {
    options.header_as_comment = false;
  } else if (options.header_as_comment === true) {
    options.header_as_comment = "#";
  } else if (Buffer.isBuffer(options.header_as_comment)) {
    options.header_as_comment = options.header_as_comment.toString();
  } else if (typeof options.header_as_comment !== "string") {
    throw new CsvError(
      "CSV_INVALID_OPTION_HEADER_AS_COMMENT",
      [
        "option `header_as_comment` must be a boolean, a string or a buffer,",
        `got ${JSON.stringify(options.header_as_comment)}`
      ],
      options
    );
  }
  const [errColumns, columns] = normalize_columns(options.columns);
  if (errColumns !== void 0) return [errColumns];
  options.columns = columns;
  if (options.quoted === void 0 || options.quoted === null) {
    options.quoted = false;
  } else {
  }
  if (options.cast === void 0 || options.cast === null) {
    options.cast = {};
  } else {
  }
  if (options.cast.bigint === void 0 || options.cast.bigint === null) {
    options.cast.bigint = (value) => "" + value;
  }
  if (options.cast.boolean === void 0 || options.cast.boolean === null) {
    options.cast.boolean = (value) => value ? "1" : "";
  }
  if (options.cast.date === void 0 || options.cast.date === null) {
    options.cast.date = (value) => "" + value.getTime();
  }
  if (options.cast.number === void 0 || options.cast.number === null) {
    options.cast.number = (value) => "" + value;
  }
  if (options.cast.object === void 0 || options.cast.object === null) {
    options.cast.object = (value) => JSON.stringify(value);
  }
  if (options.cast.string === void 0 || options.cast.string === null) {
    options.cast.string = function(value) {
      return value;
    };
  }
  if (options.on_record !== void 0 && typeof options.on_record !== "function") {
    return [Error(`Invalid Option: "on_record" must be a function.`)];
  }
  if (options.quote_record_delimiter === void 0 || options.quote_record_delimiter === null) {
    options.quote_record_delimiter = !options.record_delimiter;
  } else if (typeof options.quote_record_delimiter !== "boolean") {
    return [
      new CsvError("CSV_OPTION_QUOTE_RECORD_DELIMITER_INVALID_TYPE", [
        "option `quote_record_delimiter` must be a boolean,",
        `got ${JSON.stringify(options.quote_record_delimiter)}`
      ])
    ];
  }
  if (options.record_delimiter === void 0 || options.record_delimiter === null) {
    options.record_delimiter = "\n";
  } else if (Buffer.isBuffer(options.record_delimiter)) {
    options.record_delimiter = options.record_delimiter.toString();
  } else if (typeof options.record_delimiter !== "string") {
    return [
      Error(
        `Invalid Option: record_delimiter must be a buffer or a string, got ${JSON.stringify(options.record_delimiter)}`
      )
    ];
  }
  switch (options.record_delimiter) {
    case "unix":
      options.record_delimiter = "\n";
      break;
    case "mac":
      options.record_delimiter = "\r";
      break;
    case "windows":
      options.record_delimiter = "\r\n";
      break;
    case "ascii":
      options.record_delimiter = "";
      break;
    case "unicode":
      options.record_delimiter = "\u2028";
      break;
  }
  return [void 0, options];
};

// node_modules/csv-stringify/lib/api/index.js
var bom_utf8 = Buffer.from([239, 187, 191]);
var emits_separator = function(value, separators) {
  return separators.some(
    (separator) => separator.length !== 0 && (value.indexOf(separator) !== -1 || separator.length > 1 && (value + separator).indexOf(separator) < value.length)
  );
};
var matches_quoted_match = function(value, quoted_match) {
  if (!quoted_match) return false;
  return quoted_match.some(
    (pattern) => typeof pattern === "string" ? value.indexOf(pattern) !== -1 : value.search(pattern) !== -1
  );
};
var stringifier = function(options, state, info) {
  return {
    options,
    state,
    info,
    __transform: function(chunk, push) {
      if (!Array.isArray(chunk) && typeof chunk !== "object") {
        return Error(
          `Invalid Record: expect an array or an object, got ${JSON.stringify(chunk)}`
        );
      }
      if (this.info.records === 0) {
        if (Array.isArray(chunk)) {
          if (this.options.header === true && this.options.columns === void 0) {
            return Error(
              "Undiscoverable Columns: header option requires column option or object records"
            );
          }
        } else if (this.options.columns === void 0) {
          const [err2, columns] = normalize_columns(Object.keys(chunk));
          if (err2) return;
          this.options.columns = columns;
        }
      }
      if (this.info.records === 0) {
        this.bom(push);
        const err2 = this.headers(push);
        if (err2) return err2;
      }
      try {
        if (this.options.on_record) {
          this.options.on_record(chunk, this.info.records);
        }
      } catch (err2) {
        return err2;
      }
      let err, chunk_string;
      if (this.options.eof) {
        [err, chunk_string] = this.stringify(chunk);
        if (err) return err;
        if (chunk_string === void 0) {
          return;
        } else {
          chunk_string = chunk_string + this.options.record_delimiter;
        }
      } else {
        [err, chunk_string] = this.stringify(chunk);
        if (err) return err;
        if (chunk_string === void 0) {
          return;
        } else {
          if (this.options.header || this.info.records) {
            chunk_string = this.options.record_delimiter + chunk_string;
          }
        }
      }
      this.info.records++;
      push(chunk_string);
    },
    stringify: function(chunk, chunkIsHeader = false) {
      if (typeof chunk !== "object") {
        return [void 0, chunk];
      }
      const { columns } = this.options;
      const record = [];
      if (Array.isArray(chunk)) {
        const length = columns ? Math.min(chunk.length, columns.length) : chunk.length;
        for (let i = 0; i < length; i++) {
          const field = chunk[i];
          const [err, value] = this.__cast(field, {
            index: i,
            column: i,
            records: this.info.records,
            header: chunkIsHeader
          });
          if (err) return [err];
          record[i] = [value, field];
        }
      } else {
        for (let i = 0; i < columns.length; i++) {
          const field = get(chunk, columns[i].key);
          const [err, value] = this.__cast(field, {
            index: i,
            column: columns[i].key,
            records: this.info.records,
            header: chunkIsHeader
          });
          if (err) return [err];
          record[i] = [value, field];
        }
      }
      let csvrecord = "";
      for (let i = 0; i < record.length; i++) {
        let options2, err;
        let [value, field] = record[i];
        if (typeof value === "string") {
          options2 = this.options;
        } else if (is_object(value)) {
          options2 = { ...value };
          value = options2.value;
          delete options2.value;
          if (typeof value !== "string" && value !== void 0 && value !== null) {
            if (err)
              return [
                Error(
                  `Invalid Casting Value: returned value must return a string, null or undefined, got ${JSON.stringify(value)}`
                )
              ];
          }
          options2 = { ...this.options, ...options2 };
          [err, options2] = normalize_options(options2);
          if (err !== void 0) {
            return [err];
          }
        } else if (value === void 0 || value === null) {
          options2 = this.options;
        } else {
          return [
            Error(
              `Invalid Casting Value: returned value must return a string, an object, null or undefined, got ${JSON.stringify(value)}`
            )
          ];
        }
        const {
          delimiter,
          escape,
          quote,
          quoted,
          quoted_empty,
          quoted_string,
          quoted_match,
          record_delimiter,
          quote_record_delimiter,
          escape_formulas
        } = options2;
        if ("" === value && "" === field) {
          const quotedMatch = matches_quoted_match(value, quoted_match);
          const shouldQuote = quotedMatch || true === quoted_empty || true === quoted_string && false !== quoted_empty;
          if (shouldQuote === true) {
            value = quote + value + quote;
          }
          csvrecord += value;
        } else if (value) {
          if (typeof value !== "string") {
            return [
              Error(
                `Formatter must return a string, null or undefined, got ${JSON.stringify(value)}`
              )
            ];
          }
          const containsdelimiter = emits_separator(value, [delimiter]);
          const containsQuote = quote !== "" && value.indexOf(quote) >= 0;
          const containsEscape = value.indexOf(escape) >= 0 && escape !== quote;
          const containsRecordDelimiter = emits_separator(value, [
            record_delimiter,
            ...quote_record_delimiter === false ? [] : ["\n", "\r"]
          ]);
          const quotedString = quoted_string && typeof field === "string";
          const quotedMatch = matches_quoted_match(value, quoted_match);
          if (escape_formulas) {
            switch (value[0]) {
              case "-":
                if (typeof field === "number" || typeof field === "bigint") {
                  break;
                }
                value = `'${value}`;
                break;
              case "=":
              case "+":
              case "@":
              case "	":
              case "\r":
              case "\uFF1D":
              // Unicode '='
              case "\uFF0B":
              // Unicode '+'
              case "\uFF0D":
              // Unicode '-'
              case "\uFF20":
                value = `'${value}`;
                break;
            }
          }
          const shouldQuote = containsQuote === true || containsdelimiter || containsRecordDelimiter || quoted || quotedString || quotedMatch;
          if (shouldQuote === true && containsEscape === true) {
            value = value.replaceAll(escape, () => escape + escape);
          }
          if (containsQuote === true) {
            value = value.replaceAll(quote, () => escape + quote);
          }
          if (shouldQuote === true) {
            value = quote + value + quote;
          }
          csvrecord += value;
        } else if (quoted_empty === true || field === "" && quoted_string === true && quoted_empty !== false) {
          csvrecord += quote + quote;
        }
        if (i !== record.length - 1) {
          csvrecord += delimiter;
        }
      }
      return [void 0, csvrecord];
    },
    bom: function(push) {
      if (this.options.bom !== true) {
        return;
      }
      push(bom_utf8);
    },
    headers: function(push) {
      if (this.options.header === false) {
        return;
      }
      if (this.options.columns === void 0) {
        return;
      }
      let err;
      let headers = this.options.columns.map((column) => column.header);
      if (this.options.eof) {
        [err, headers] = this.stringify(headers, true);
        headers += this.options.record_delimiter;
      } else {
        [err, headers] = this.stringify(headers, true);
      }
      if (err) return err;
      if (this.options.header_as_comment) {
        headers = this.options.header_as_comment + " " + headers;
      }
      push(headers);
    },
    __cast: function(value, context) {
      const type = typeof value;
      try {
        if (type === "string") {
          return [void 0, this.options.cast.string(value, context)];
        } else if (type === "bigint") {
          return [void 0, this.options.cast.bigint(value, context)];
        } else if (type === "number") {
          return [void 0, this.options.cast.number(value, context)];
        } else if (type === "boolean") {
          return [void 0, this.options.cast.boolean(value, context)];
        } else if (value instanceof Date) {
          return [void 0, this.options.cast.date(value, context)];
        } else if (type === "object" && value !== null) {
          return [void 0, this.options.cast.object(value, context)];
        } else if (value === null && this.options.cast.null !== void 0) {
          return [void 0, this.options.cast.null(value, context)];
        } else if (value === void 0 && this.options.cast.undefined !== void 0) {
          return [void 0, this.options.cast.undefined(value, context)];
        } else {
          return [void 0, value];
        }
      } catch (err) {
        return [err];
      }
    }
  };
};

// node_modules/csv-stringify/lib/sync.js
var stringify = function(records, opts = {}) {
  const data = [];
  const [err, options] = normalize_options(opts);
  if (err !== void 0) throw err;
  const state = {
    stop: false
  };
  const info = {
    records: 0
  };
  const api = stringifier(options, state, info);
  for (const record of records) {
    const err2 = api.__transform(record, function(record2) {
      data.push(record2);
    });
    if (err2 !== void 0) throw err2;
  }
  if (data.length === 0) {
    api.bom((d) => {
      data.push(d);
    });
    const err2 = api.headers((headers) => {
      data.push(headers);
    });
    if (err2 !== void 0) throw err2;
  }
  return data.join("");
};

// src/report/byte-sink.ts
var ByteSink = class {
  buffer;
  /** The same bytes as a plain Uint8Array: element access on it is faster than on a Buffer. */
  view;
  length = 0;
  constructor(capacity) {
    this.buffer = Buffer.allocUnsafe(Math.max(capacity, 64));
    this.view = new Uint8Array(this.buffer.buffer, this.buffer.byteOffset, this.buffer.length);
  }
  /** Room for `n` more bytes after `length`. */
  reserve(n) {
    if (this.length + n <= this.buffer.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + n));
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
    this.view = new Uint8Array(next.buffer, next.byteOffset, next.length);
  }
  write(bytes) {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }
  /** Text as UTF-8. */
  writeText(text) {
    this.reserve(Buffer.byteLength(text));
    this.length += this.buffer.write(text, this.length, "utf8");
  }
  done() {
    return this.buffer.subarray(0, this.length);
  }
};

// src/report/csv.ts
function startsFormula(value) {
  switch (value.charCodeAt(0)) {
    case 61:
    // =
    case 43:
    // +
    case 45:
    // -
    case 64:
    // @
    case 9:
    // TAB
    case 13:
    // CR
    case 10:
    // LF
    case 0:
    // NUL
    case 65309:
    // ＝
    case 65291:
    // ＋
    case 65293:
    // －
    case 65312:
      return true;
    default:
      return false;
  }
}
function neutralizeFormula(value) {
  return startsFormula(value) ? `'${value}` : value;
}
function plainNumber(value) {
  const text = String(value);
  return text.includes("e") ? formatExact(parseDecimal(value)) : text;
}
function decimalText(value) {
  const text = cellText("number", value);
  if (typeof value === "number") return Number.isInteger(value) ? `${text}.0` : text;
  return /^-?\d+$/.test(text) ? `${text}.0` : text;
}
function cellText(kind, value) {
  if (value === null || value === void 0) return "";
  if (kind === "decimal") return decimalText(value);
  if (kind === "number") {
    if (typeof value === "number") return Number.isFinite(value) ? plainNumber(value) : "";
    try {
      return formatExact(parseDecimal(value));
    } catch {
      return neutralizeFormula(value);
    }
  }
  return neutralizeFormula(typeof value === "string" ? value : String(value));
}
var STRINGIFY_OPTIONS = { record_delimiter: "windows", eof: true };
var QUOTED_CHARACTER = /[",\r\n]/;
var BATCH_ROWS = 512;
function csvRecord(cells) {
  for (const cell of cells) if (QUOTED_CHARACTER.test(cell)) return stringify([cells], STRINGIFY_OPTIONS);
  return plainRecord(cells);
}
function plainRecord(cells) {
  let line = cells.length === 0 ? "" : cells[0];
  for (let i = 1; i < cells.length; i++) line += `,${cells[i]}`;
  return `${line}\r
`;
}
var CsvWriter = class _CsvWriter {
  constructor(file, kinds) {
    this.file = file;
    this.kinds = kinds;
    this.cells = new Array(kinds.length);
  }
  file;
  kinds;
  /** The records not yet written, as CSV text. */
  pending = "";
  pendingRows = 0;
  closed = false;
  /** Scratch for one record's cells (reused: a row's cells are joined before the next row). */
  cells;
  /** Scratch for the records of a scanned page (reused: a page's are in the file before the next's). */
  records;
  /** Open the temp file; the header row goes first. */
  static async open(path, columns) {
    const file = await AtomicFileWriter.open(path);
    const writer = new _CsvWriter(
      file,
      columns.map((c) => c.kind)
    );
    writer.pending = csvRecord(columns.map((c) => neutralizeFormula(c.name)));
    writer.pendingRows = 1;
    return writer;
  }
  async flush() {
    if (this.pendingRows === 0) return;
    const text = this.pending;
    this.pending = "";
    this.pendingRows = 0;
    await this.file.write(text);
  }
  /** Write one row; values are in column order. */
  async write(values) {
    this.append(values);
    if (this.pendingRows >= BATCH_ROWS) await this.flush();
  }
  /** Write many rows; only the occasional flush waits, not every row. */
  async writeMany(rows) {
    for (const values of rows) {
      this.append(values);
      if (this.pendingRows >= BATCH_ROWS) await this.flush();
    }
  }
  /** Write one row per item, made as it is written (no array of all the rows at once). */
  async writeEach(items, row) {
    for (const item of items) {
      this.append(row(item));
      if (this.pendingRows >= BATCH_ROWS) await this.flush();
    }
  }
  /**
   * Write records made as CSV bytes by `fill` (csv-rows.ts) into the writer's scratch sink, after what is
   * pending. The scratch is reused: the bytes are in the file before the next call fills it again.
   */
  async writeBytes(fill) {
    if (this.closed) throw new Error("CSV writer already closed");
    await this.flush();
    this.records ??= new ByteSink(1 << 20);
    const bytes = fill(this.records);
    if (bytes.length > 0) await this.file.writeSettled(bytes);
  }
  append(values) {
    if (this.closed) throw new Error("CSV writer already closed");
    const { cells, kinds } = this;
    let quoted = false;
    for (let i = 0; i < kinds.length; i++) {
      const value = values[i];
      const text = cellText(kinds[i], value);
      cells[i] = text;
      if (!quoted && typeof value !== "number" && QUOTED_CHARACTER.test(text)) quoted = true;
    }
    this.pending += quoted ? stringify([cells], STRINGIFY_OPTIONS) : plainRecord(cells);
    this.pendingRows++;
  }
  /** Finish the CSV and move it into place atomically. */
  async close() {
    if (this.closed) throw new Error("CSV writer already closed");
    this.closed = true;
    return this.file.commitAfter(() => this.flush());
  }
  /** Drop everything written so far; the target path is left as it was. */
  async abort() {
    this.closed = true;
    this.pending = "";
    await this.file.abort();
  }
};

// src/report/csv-rows.ts
var CONSTANT = 0;
var TEXT = 1;
var NUMBER = 2;
var FORMULA = new Uint8Array(256);
for (const c of [61, 43, 45, 64, 9, 13, 10, 0]) FORMULA[c] = 1;
var APOSTROPHE = 39;
var COMMA = 44;
function rowPlan(columns, ctx) {
  const kinds = new Uint8Array(columns.length);
  const constants = [];
  const fields = [];
  let fixedLength = columns.length + 1;
  for (const [i, column] of columns.entries()) {
    const { reads, kind } = column;
    if (reads === "context") {
      const text = cellText(kind, column.value({}, ctx));
      if (/[",\r\n]/.test(text)) return void 0;
      kinds[i] = CONSTANT;
      constants[i] = Uint8Array.from(Buffer.from(text, "utf8"));
      fixedLength += constants[i].length;
    } else if (reads !== void 0 && kind !== "decimal") {
      kinds[i] = kind === "text" ? TEXT : NUMBER;
      fields[i] = reads.field;
    } else return void 0;
  }
  return { columns, ctx, kinds, constants, fields, fixedLength };
}
function csvRecords(rows, plan, out) {
  const source = rows.bytes;
  if (source === void 0) throw new Error("csvRecords needs the bytes of an ASCII page");
  out.length = 0;
  const places = new Int32Array(plan.kinds.length);
  let layout;
  for (let row = 0; row < rows.count; row++) {
    if (rows.layoutOf(row) !== layout) {
      layout = rows.layoutOf(row);
      for (let i = 0; i < places.length; i++) {
        places[i] = plan.kinds[i] === CONSTANT ? -1 : layout.index.get(plan.fields[i]) ?? -1;
      }
    }
    const start = out.length;
    if (!writeRecord(rows, row, source, plan, places, out)) {
      out.length = start;
      out.writeText(itemRecord(rows, row, plan));
    }
  }
  return out.done();
}
function itemRecord(rows, row, plan) {
  const item = rows.items()[row];
  const values = rowValues(plan.columns, item, plan.ctx);
  return csvRecord(values.map((value, i) => cellText(plan.columns[i].kind, value)));
}
function writeRecord(rows, row, source, plan, places, out) {
  const { kinds, constants } = plan;
  const spans = rows.spans;
  const base = 2 * rows.first[row];
  let bound = plan.fixedLength;
  for (let i = 0; i < places.length; i++) if (places[i] >= 0) bound += spans[base + 2 * places[i] + 1] + 1;
  out.reserve(bound);
  const view = out.view;
  let o = out.length;
  for (let i = 0; i < kinds.length; i++) {
    if (i > 0) view[o++] = COMMA;
    const kind = kinds[i];
    if (kind === CONSTANT) {
      const bytes = constants[i];
      for (let b = 0; b < bytes.length; b++) view[o++] = bytes[b];
      continue;
    }
    const place = places[i];
    if (place < 0) continue;
    const at = spans[base + 2 * place];
    const end = at + spans[base + 2 * place + 1];
    const c = source[at];
    if (c === 110) continue;
    if (c === 34) {
      if (kind === NUMBER) return false;
      if (end - at > 2 && FORMULA[source[at + 1]] === 1) view[o++] = APOSTROPHE;
      for (let b = at + 1; b < end - 1; b++) {
        const d = source[b];
        if (d === COMMA) return false;
        view[o++] = d;
      }
      continue;
    }
    if (kind === NUMBER && (c === 116 || c === 102)) continue;
    if (kind === TEXT && FORMULA[c] === 1) view[o++] = APOSTROPHE;
    for (let b = at; b < end; b++) view[o++] = source[b];
  }
  view[o++] = 13;
  view[o++] = 10;
  out.length = o;
  return true;
}

// src/report/endpoint.ts
var import_undici = __toESM(require_undici(), 1);
import { isAscii } from "node:buffer";

// src/report/answer-scan.ts
var ITEM_SEPARATOR = ",\n    ";
var latin1Bytes = (text) => Uint8Array.from(Buffer.from(text, "latin1"));
var SEPARATOR_BYTES = latin1Bytes(ITEM_SEPARATOR);
var SHORT_PIECE = 16;
var PLAIN_VALUE = String.raw`(?:null|true|false|"[^"\\\x00-\x1f\ud800-\udfff]*"` + String.raw`|(?!-0[,}])(?!-?0\.000000)-?(?=[\d.]{1,16}[,}])(?:0|[1-9]\d{0,14})(?:\.\d{0,13}[1-9])?)`;
var MEMBER = /"([^"\\\x00-\x1f]*)":(?:null|true|false|"[^"\\\x00-\x1f\ud800-\udfff]*"|-?[\d.eE+-]+)([,}])/y;
var MAX_LAYOUTS = 8;
var regexText = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
function layoutOf(keys) {
  if (new Set(keys).size !== keys.length) return void 0;
  for (const key of keys) {
    const c = key.charCodeAt(0);
    if (c >= 48 && c <= 57 || key === "__proto__") return void 0;
  }
  const members = keys.map((key) => `${regexText(JSON.stringify(key))}:${PLAIN_VALUE}`);
  const blankText = `{${keys.map((key) => `${JSON.stringify(key)}:null`).join(",")}}`;
  const sorted = keys.map((key, i) => [key, i]).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0).map(([, i]) => i);
  const tokens = keys.map((key) => JSON.stringify(key));
  return {
    keys,
    index: new Map(keys.map((key, i) => [key, i])),
    pattern: new RegExp(`\\{${members.join(",")}\\}`, "y"),
    // From JSON.parse: a plain object in fast mode, which a spread copies quickly.
    blank: JSON.parse(blankText),
    sorted,
    tokens,
    prefixLengths: Int32Array.from(tokens, (token) => token.length + 1),
    templates: /* @__PURE__ */ new Map()
  };
}
function templateOf(layout, nonNull) {
  const texts = [];
  const slots = [];
  let text = "{";
  layout.sorted.forEach((i, n) => {
    text += `${n === 0 ? "" : ","}${layout.tokens[i]}:`;
    if (nonNull(i)) {
      texts.push(text);
      slots.push(i);
      text = "";
    } else text += "null";
  });
  texts.push(`${text}}`);
  return { texts, slots };
}
function keysAt(text, pos) {
  if (text.charCodeAt(pos) !== 123) return void 0;
  if (text.charCodeAt(pos + 1) === 125) return [];
  const keys = [];
  MEMBER.lastIndex = pos + 1;
  for (let i = 0; i < 1e4; i++) {
    const m = MEMBER.exec(text);
    if (m === null) return void 0;
    keys.push(m[1]);
    if (m[2] === "}") return keys;
  }
  return void 0;
}
var LayoutCache = class {
  layouts = [];
  /** The layout whose expression matches the item at `pos` (its lastIndex then the item's end). */
  find(text, pos) {
    for (const layout2 of this.layouts) if (matches(layout2, text, pos)) return layout2;
    const keys = keysAt(text, pos);
    const layout = keys === void 0 ? void 0 : layoutOf(keys);
    if (layout === void 0 || !matches(layout, text, pos)) return void 0;
    this.layouts.unshift(layout);
    if (this.layouts.length > MAX_LAYOUTS) this.layouts.pop();
    return layout;
  }
};
function matches(layout, text, pos) {
  layout.pattern.lastIndex = pos;
  return layout.pattern.test(text);
}
function ws(text, pos) {
  for (; ; ) {
    const c = text.charCodeAt(pos);
    if (c === 32 || c === 10 || c === 13 || c === 9) pos++;
    else return pos;
  }
}
function stringEnd(text, pos) {
  for (let i = pos + 1; ; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) return i + 1;
    if (c === 92) i++;
    else if (!(c >= 32)) return -1;
  }
}
function valueEnd(text, pos) {
  if (text.charCodeAt(pos) === 34) return stringEnd(text, pos);
  let depth = 0;
  let i = pos;
  for (; ; ) {
    const d = text.charCodeAt(i);
    if (d === 34) {
      i = stringEnd(text, i);
      if (i < 0) return -1;
      continue;
    }
    if (d === 123 || d === 91) depth++;
    else if (d === 125 || d === 93) {
      if (depth === 0) break;
      depth--;
      if (depth === 0) {
        i++;
        break;
      }
    } else if (d === 44 && depth === 0) break;
    else if (!(d >= 0)) return -1;
    i++;
  }
  return i;
}
function decode(token) {
  switch (token.charCodeAt(0)) {
    case 34:
      return token.slice(1, -1);
    case 116:
      return true;
    case 102:
      return false;
    default:
      return Number(token);
  }
}
var ScannedRows = class {
  constructor(text, bytes, layouts, first, spans, masks) {
    this.text = text;
    this.bytes = bytes;
    this.layouts = layouts;
    this.first = first;
    this.spans = spans;
    this.masks = masks;
  }
  text;
  bytes;
  layouts;
  first;
  spans;
  masks;
  made;
  get count() {
    return this.layouts.length;
  }
  layoutOf(row) {
    return this.layouts[row];
  }
  /** Where value `v` of item `row` starts in the text. */
  start(row, v) {
    return this.spans[2 * (this.first[row] + v)];
  }
  length(row, v) {
    return this.spans[2 * (this.first[row] + v) + 1];
  }
  /**
   * canonicalJson of each item joined by ITEM_SEPARATOR, as UTF-8 bytes written into `sink` from its
   * start (an ASCII page: `bytes` is set). An item's canonical text is its own members in sorted order, so
   * exactly as long as the item: the values are copied from the page's bytes between fixed pieces.
   */
  canonicalBytes(sink) {
    const source = this.bytes;
    if (source === void 0) throw new Error("canonicalBytes needs the bytes of an ASCII page");
    const { spans, first } = this;
    sink.length = 0;
    sink.reserve(this.text.length + SEPARATOR_BYTES.length * this.count);
    const out = sink.view;
    let o = 0;
    for (let row = 0; row < this.count; row++) {
      if (row > 0) for (let b = 0; b < SEPARATOR_BYTES.length; b++) out[o++] = SEPARATOR_BYTES[b];
      const layout = this.layouts[row];
      if (layout.keys.length > 30) {
        o += sink.buffer.write(canonicalText(layout, this.text, spans, first[row], 0), o, "latin1");
        continue;
      }
      const template = templateFor(layout, this.masks[row]);
      template.bytes ??= template.texts.map(latin1Bytes);
      const pieces = template.bytes;
      const slots = template.slots;
      o = copyPiece(out, o, pieces[0]);
      for (let k = 0; k < slots.length; k++) {
        const at = 2 * (first[row] + slots[k]);
        const from = spans[at];
        const to = from + spans[at + 1];
        if (to - from > SHORT_PIECE) {
          out.set(source.subarray(from, to), o);
          o += to - from;
        } else for (let b = from; b < to; b++) out[o++] = source[b];
        o = copyPiece(out, o, pieces[k + 1]);
      }
    }
    sink.length = o;
    return sink.done();
  }
  /** canonicalJson of each item joined by ITEM_SEPARATOR, as one string. */
  canonicalText() {
    const texts = this.layouts.map(
      (layout, row) => canonicalText(layout, this.text, this.spans, this.first[row], this.masks[row])
    );
    return texts.join(ITEM_SEPARATOR);
  }
  /** The items, as JSON.parse gives them (made once, when first asked for). */
  items() {
    if (this.made !== void 0) return this.made;
    const { text, spans } = this;
    const items = new Array(this.count);
    for (let row = 0; row < items.length; row++) {
      const layout = this.layouts[row];
      const item = { ...layout.blank };
      const keys = layout.keys;
      let at = 2 * this.first[row];
      for (let i = 0; i < keys.length; i++, at += 2) {
        const start = spans[at];
        if (text.charCodeAt(start) !== 110)
          item[keys[i]] = decode(text.slice(start, start + spans[at + 1]));
      }
      items[row] = item;
    }
    this.made = items;
    return items;
  }
};
function copyPiece(out, o, piece) {
  if (piece.length > SHORT_PIECE) {
    out.set(piece, o);
    return o + piece.length;
  }
  for (let b = 0; b < piece.length; b++) out[o++] = piece[b];
  return o;
}
var RowsBuilder = class {
  layouts = [];
  first = new Int32Array(0);
  masks = new Int32Array(0);
  spans = new Int32Array(0);
  values = 0;
  /**
   * Room for the items of a page whose first item has `n` values in `itemLength` characters, `rest`
   * characters from its start to the page's end: items of one page are of about one length, and growing
   * the arrays as they fill would copy them (and touch new memory) several times.
   */
  expect(n, itemLength, rest) {
    const items = Math.ceil(rest / (itemLength + 1) * 1.05) + 8;
    this.first = new Int32Array(items);
    this.masks = new Int32Array(items);
    this.spans = new Int32Array(2 * n * items);
  }
  /**
   * Record where each value of the item at `start` lies, and which are not null: it matched `layout`, so
   * it has no whitespace, its strings no quote inside and its numbers end at "," or "}".
   */
  add(layout, text, start) {
    const n = layout.keys.length;
    const row = this.layouts.length;
    if (row === this.first.length) {
      this.first = grown(this.first, row + 1);
      this.masks = grown(this.masks, row + 1);
    }
    if (2 * (this.values + n) > this.spans.length) this.spans = grown(this.spans, 2 * (this.values + n));
    this.layouts.push(layout);
    this.first[row] = this.values;
    const { spans } = this;
    const prefixLengths = layout.prefixLengths;
    let o = 2 * this.values;
    this.values += n;
    let at = start + 1;
    let mask = 0;
    for (let i = 0; i < n; i++) {
      at += prefixLengths[i];
      const c = text.charCodeAt(at);
      let length = 4;
      if (c !== 110) {
        mask |= 1 << i;
        if (c === 34) length = text.indexOf('"', at + 1) + 1 - at;
        else if (c === 102)
          length = 5;
        else if (c !== 116) {
          let end = at + 1;
          for (let d = text.charCodeAt(end); d !== 44 && d !== 125; d = text.charCodeAt(++end)) ;
          length = end - at;
        }
      }
      spans[o++] = at;
      spans[o++] = length;
      at += length + 1;
    }
    this.masks[row] = mask;
  }
  done(text, bytes) {
    return new ScannedRows(text, bytes, this.layouts, this.first, this.spans, this.masks);
  }
};
function grown(array, least) {
  const next = new Int32Array(Math.max(array.length * 2, least));
  next.set(array);
  return next;
}
function scanPage(text, cache, ascii) {
  if (ascii !== void 0 && ascii.length !== text.length) ascii = void 0;
  try {
    return scan(text, cache, ascii);
  } catch (err) {
    if (err instanceof SyntaxError) return void 0;
    throw err;
  }
}
function scan(text, cache, ascii) {
  let pos = ws(text, 0);
  if (text.charCodeAt(pos) !== 123) return void 0;
  pos = ws(text, pos + 1);
  let groupBy;
  let nextPage;
  let rows;
  const seen = /* @__PURE__ */ new Set();
  if (text.charCodeAt(pos) !== 125) {
    for (; ; ) {
      if (text.charCodeAt(pos) !== 34) return void 0;
      const keyEnd = stringEnd(text, pos);
      if (keyEnd < 0) return void 0;
      const key = JSON.parse(text.slice(pos, keyEnd));
      if (seen.has(key) || key === "__proto__") return void 0;
      seen.add(key);
      pos = ws(text, keyEnd);
      if (text.charCodeAt(pos) !== 58) return void 0;
      pos = ws(text, pos + 1);
      if (key === "items") {
        const read = readItems(text, pos, cache, ascii);
        if (read === void 0) return void 0;
        ({ rows } = read);
        pos = read.end;
      } else {
        const end = valueEnd(text, pos);
        if (end < 0) return void 0;
        const value = JSON.parse(text.slice(pos, end));
        if (key === "groupBy") {
          groupBy = Array.isArray(value) ? value.filter((g) => typeof g === "string") : void 0;
        } else if (key === "nextPage") {
          if (value !== null && (typeof value !== "string" || value === "")) return void 0;
          nextPage = value ?? void 0;
        }
        pos = end;
      }
      pos = ws(text, pos);
      const c = text.charCodeAt(pos);
      pos = ws(text, pos + 1);
      if (c === 125) break;
      if (c !== 44) return void 0;
    }
  } else pos = ws(text, pos + 1);
  if (pos !== text.length || rows === void 0) return void 0;
  const scanned = rows;
  let canonical;
  return {
    groupBy,
    get items() {
      return scanned.items();
    },
    rows,
    get canonical() {
      canonical ??= canonicalOf(scanned);
      return canonical;
    },
    nextPage
  };
}
function canonicalOf(rows) {
  return rows.bytes === void 0 ? rows.canonicalText() : rows.canonicalBytes(new ByteSink(rows.text.length));
}
function readItems(text, pos, cache, ascii) {
  if (text.charCodeAt(pos) !== 91) return void 0;
  pos = ws(text, pos + 1);
  const rows = new RowsBuilder();
  if (text.charCodeAt(pos) === 93) return { rows: rows.done(text, ascii), end: pos + 1 };
  let layout = cache.layouts[0];
  for (; ; ) {
    if (layout === void 0 || !matches(layout, text, pos)) {
      layout = cache.find(text, pos);
      if (layout === void 0) return void 0;
    }
    const end = layout.pattern.lastIndex;
    if (rows.layouts.length === 0) rows.expect(layout.keys.length, end - pos, text.length - pos);
    rows.add(layout, text, pos);
    pos = ws(text, end);
    const c = text.charCodeAt(pos);
    if (c === 93) return { rows: rows.done(text, ascii), end: pos + 1 };
    if (c !== 44) return void 0;
    pos = ws(text, pos + 1);
  }
}
function templateFor(layout, mask) {
  let template = layout.templates.get(mask);
  if (template === void 0) {
    template = templateOf(layout, (i) => (mask & 1 << i) !== 0);
    layout.templates.set(mask, template);
  }
  return template;
}
function canonicalText(layout, text, spans, first, mask) {
  const value = (i) => {
    const at = 2 * (first + i);
    return text.slice(spans[at], spans[at] + spans[at + 1]);
  };
  if (layout.keys.length > 30) {
    let out2 = "{";
    layout.sorted.forEach((i, k) => {
      out2 += `${k === 0 ? "" : ","}${layout.tokens[i]}:${value(i)}`;
    });
    return `${out2}}`;
  }
  const { texts, slots } = templateFor(layout, mask);
  let out = texts[0];
  for (let k = 0; k < slots.length; k++) out += value(slots[k]) + texts[k + 1];
  return out;
}

// src/report/endpoint.ts
var USAGE_ROUTE = "/request-summarized-usages";
var MAX_PAGE_BYTES = 64 << 20;
var MAX_PAGES_PER_MONTH = 1e4;
var TRAILING_NEXT_PAGE = /\],"nextPage":("[^"\\\x00-\x1f]{1,4096}")\}$/;
function trailingNextPage(text) {
  const match = TRAILING_NEXT_PAGE.exec(text.slice(-4200));
  return match === null ? void 0 : JSON.parse(match[1]);
}
var EndpointError = class extends UserFacingError {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
  status;
  name = "EndpointError";
};
var UnauthorizedError = class extends Error {
};
var STATUS_HINTS = {
  400: "the endpoint refused the query: check inputs 'group-by', 'group-by-tag', 'compartment-depth', 'granularity' and 'months'",
  403: "the endpoint refused access: check input 'tenant-id' and that the function may read usage in this tenancy",
  404: "no such route: input 'endpoint' must be the gateway deployment URL including its path prefix (e.g. https://\u2026/usage)",
  405: "method not allowed: input 'endpoint' must be the gateway deployment URL including its path prefix",
  413: "the request is too large for the endpoint"
};
function usageUrl(endpoint, page) {
  const url = new URL(`${endpoint.replace(/\/+$/, "")}${USAGE_ROUTE}`);
  if (page !== void 0) url.searchParams.set("page", page);
  return url.href;
}
function usagePage(result, page) {
  const { groupBy, rows } = result;
  if (rows === void 0) return { groupBy, items: result.items, canonical: result.canonical, page };
  return {
    groupBy,
    get items() {
      return rows.items();
    },
    get canonical() {
      return result.canonical;
    },
    rows,
    page
  };
}
function parsePage(text) {
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new EndpointError("the endpoint answered HTTP 200 with a body that is not JSON");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new EndpointError(
      "the endpoint answered HTTP 200 with JSON that is not an object with an 'items' array"
    );
  }
  const body = parsed;
  if (!Array.isArray(body.items)) {
    throw new EndpointError("the endpoint answered HTTP 200 without an 'items' array");
  }
  for (const item of body.items) {
    if (item === null || typeof item !== "object" || Array.isArray(item)) {
      throw new EndpointError("the endpoint answered HTTP 200 with an 'items' entry that is not an object");
    }
  }
  if (body.nextPage !== void 0 && body.nextPage !== null && (typeof body.nextPage !== "string" || body.nextPage === "")) {
    throw new EndpointError(
      "the endpoint answered HTTP 200 with a 'nextPage' that is not a non-empty string"
    );
  }
  const groupBy = Array.isArray(body.groupBy) ? body.groupBy.filter((g) => typeof g === "string") : void 0;
  return {
    groupBy,
    items: body.items,
    nextPage: body.nextPage ?? void 0
  };
}
var EndpointClient = class {
  constructor(options) {
    this.options = options;
    this.ownsDispatcher = options.dispatcher === void 0;
    this.dispatcher = options.dispatcher ?? createAgent(options.timeouts ?? DEFAULT_TIMEOUTS);
  }
  options;
  dispatcher;
  ownsDispatcher;
  /** Tokens sent so far: cut out of any server text we repeat (a gateway may echo the header). */
  sent = /* @__PURE__ */ new Set();
  /** Item layouts of the pages read so far (the pages of a run share them). */
  layouts = new LayoutCache();
  async close() {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }
  /**
   * Fetch every page of one month's query, awaiting `onPage` for each in order. With `prefetch` the next
   * page is already being fetched meanwhile (one page ahead at most); otherwise it is asked for only
   * after `onPage` returns.
   */
  async fetchMonth(body, onPage, options = {}) {
    const payload = JSON.stringify(body);
    const prefetch = (options.prefetch ?? this.options.prefetch) === true;
    const maxPages = options.maxPages ?? Number.POSITIVE_INFINITY;
    let pages = 0;
    let items = 0;
    let stoppedAt;
    const seen = /* @__PURE__ */ new Set();
    let ahead = this.fetchPage(payload, options.from, 1);
    try {
      while (ahead !== void 0) {
        const { text, ascii } = await ahead;
        ahead = void 0;
        const early = prefetch && pages + 1 < maxPages ? trailingNextPage(text) : void 0;
        if (early !== void 0 && !seen.has(early)) {
          ahead = this.fetchPage(payload, early, pages + 2);
          ahead.catch(() => {
          });
        }
        const result = scanPage(text, this.layouts, ascii) ?? parsePage(text);
        pages++;
        items += result.rows?.count ?? result.items.length;
        const pageToken = result.nextPage;
        if (pageToken !== void 0) {
          if (seen.has(pageToken))
            throw new EndpointError("the endpoint returned the same nextPage token twice");
          seen.add(pageToken);
          if (pages >= MAX_PAGES_PER_MONTH) {
            throw new EndpointError(
              `the endpoint returned more than ${MAX_PAGES_PER_MONTH} pages for one month`
            );
          }
        }
        const more = pageToken !== void 0 && pages < maxPages;
        if (pageToken !== void 0 && !more) stoppedAt = pageToken;
        if (prefetch && more && ahead === void 0) {
          const fetching = this.fetchPage(payload, pageToken, pages + 1);
          fetching.catch(() => {
          });
          ahead = fetching;
        }
        await onPage(usagePage(result, pages));
        if (!prefetch && more) ahead = this.fetchPage(payload, pageToken, pages + 1);
      }
    } finally {
      if (ahead !== void 0) await ahead.catch(() => {
      });
    }
    return stoppedAt === void 0 ? { pages, items } : { pages, items, nextPage: stoppedAt };
  }
  /** One page's body text (HTTP 200), after the retries; parsed by the caller when it takes the page. */
  async fetchPage(payload, pageToken, page) {
    const policy = this.options.retry ?? { maxAttempts: 6, baseMs: 1e3, maxDelayMs: 3e4 };
    try {
      return await retryCall(
        this.options,
        policy,
        () => this.attempt(payload, pageToken),
        ({ attempt, delayMs, reason }) => `page ${page}: attempt ${attempt}/${policy.maxAttempts} failed (${reason}); retrying in ${delayMs} ms`
      );
    } catch (err) {
      if (err instanceof RetryDeadlineError) {
        throw new FatalReportError(
          `the time budget ran out while fetching page ${page} (last error: ${this.describe(err.lastError)}); raise input 'time-budget' or retry later`
        );
      }
      if (err instanceof UserFacingError) throw err;
      if (err instanceof UnauthorizedError) {
        throw new FatalReportError(
          this.options.token.unauthorizedMessage?.() ?? "the endpoint answered HTTP 401 Unauthorized even with a fresh token: input 'scope' must name the audience the gateway deployment expects, and the token must come from the identity domain the deployment trusts"
        );
      }
      throw new EndpointError(`page ${page} failed after retries: ${this.describe(err)}`);
    }
  }
  describe(err) {
    if (err instanceof Error) {
      const code = err.code;
      return sanitizeServerText(
        typeof code === "string" && !err.message.includes(code) ? `${code}: ${err.message}` : err.message,
        [...this.sent]
      );
    }
    return sanitizeServerText(err, [...this.sent]);
  }
  async attempt(payload, pageToken) {
    const sent = await this.options.token.getToken();
    let response = await this.post(payload, pageToken, sent);
    if (response.status === 401) {
      const refreshed = this.options.token.invalidate(sent);
      this.options.log?.(
        refreshed ? "the endpoint answered HTTP 401; getting a new token and trying once more" : "the endpoint answered HTTP 401 to a token already replaced; trying once more with the new one"
      );
      response = await this.post(payload, pageToken, await this.options.token.getToken());
      if (response.status === 401) throw new UnauthorizedError();
    }
    const { status, text, ascii, retryAfter } = response;
    this.options.onCall?.(status === 200 ? "ok" : status === 429 ? "throttled" : "failed");
    if (status === 200) return { text, ascii };
    if (isRetryableStatus(status)) {
      throw new RetryableHttpError(
        `HTTP ${status}${this.serverError(text)}`,
        status,
        parseRetryAfter(retryAfter, this.options.clock.now())
      );
    }
    const hint = STATUS_HINTS[status] ?? "the endpoint refused the request";
    throw new EndpointError(`endpoint answered HTTP ${status}${this.serverError(text)}: ${hint}`, status);
  }
  /** " Code: message" from a JSON {code, message} body, sanitised; "" otherwise. Never the raw body. */
  serverError(text) {
    try {
      const body = JSON.parse(text);
      const code = typeof body.code === "string" || typeof body.code === "number" ? sanitizeServerText(String(body.code), [], 60).replace(/[^A-Za-z0-9_.-]/g, "") : "";
      const message = typeof body.message === "string" ? sanitizeServerText(body.message, [...this.sent], 200) : "";
      const parts2 = [code, message].filter((p) => p !== "");
      return parts2.length === 0 ? "" : ` ${parts2.join(": ")}`;
    } catch {
      return "";
    }
  }
  async post(payload, pageToken, token) {
    const remaining = timeLeft(this.options);
    if (remaining <= 0) {
      throw new FatalReportError(
        "the time budget ran out before the next request; raise input 'time-budget'"
      );
    }
    this.sent.add(token);
    const response = await (0, import_undici.request)(usageUrl(this.options.endpoint, pageToken), {
      method: "POST",
      dispatcher: this.dispatcher,
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        accept: "application/json"
      },
      body: payload,
      ...requestTimeouts(this.options, remaining)
    });
    const bytes = await readBodyBytes(response.body, MAX_PAGE_BYTES);
    const ascii = isAscii(bytes);
    const retryAfter = response.headers["retry-after"];
    return {
      status: response.statusCode,
      text: bytes.toString(ascii ? "latin1" : "utf8"),
      ascii: ascii ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) : void 0,
      retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter
    };
  }
};

// src/report/github-token.ts
var GithubTokenSource = class {
  constructor(options) {
    this.options = options;
  }
  options;
  held;
  /** The claims of the last token sent, kept after invalidate() so that a refusal can name them. */
  lastClaims;
  inflight;
  async getToken() {
    if (this.held !== void 0 && !this.nearExpiry(this.held.claims)) return this.held.token;
    this.inflight ??= this.fetchToken().finally(() => {
      this.inflight = void 0;
    });
    return this.inflight;
  }
  invalidate(rejected) {
    if (rejected !== void 0 && rejected !== this.held?.token) return false;
    this.held = void 0;
    return true;
  }
  /** The gateway refused the token twice: say whose token it was and what deploy must list for it. */
  unauthorizedMessage() {
    const claims = this.lastClaims ?? {};
    const repository = clip(String(claims.repository ?? "(none)"), 140);
    const { audience } = this.options;
    return `the endpoint answered HTTP 401 Unauthorized to this job's GitHub OIDC token (repository '${repository}', ${describeToken(claims)}, audience '${clip(audience, 100)}'): deploy's 'github-repositories' must list ${repository} (and 'github-refs' / 'github-environments', when set, this job's ref or environment), 'github-audience' must be the same in deploy and report, and input 'endpoint' must be deploy's github-endpoint output`;
  }
  /** Within the margin of `exp` (a token without `exp` is kept until the gateway refuses it). */
  nearExpiry(claims) {
    if (typeof claims.exp !== "number") return false;
    return this.options.clock.now() >= claims.exp * 1e3 - EXPIRY_MARGIN_MS;
  }
  async fetchToken() {
    try {
      const { audience, clock, setSecret, env, getIDToken } = this.options;
      const held = await githubIdToken(audience, {
        now: clock.now,
        mask: setSecret,
        ...env ? { env } : {},
        ...getIDToken ? { getIDToken } : {}
      });
      this.held = held;
      this.lastClaims = held.claims;
      this.options.log?.(describeHeld(audience, held.claims));
      return held.token;
    } catch (err) {
      if (err instanceof GithubOidcError) throw new FatalReportError(err.message);
      throw err;
    }
  }
};
function describeHeld(audience, claims) {
  const expires = typeof claims.exp === "number" ? `, valid until ${new Date(claims.exp * 1e3).toISOString()}` : "";
  return `GitHub OIDC token for audience '${clip(audience, 100)}': repository '${clip(String(claims.repository ?? "(none)"), 140)}', ${describeToken(claims)}${expires}`;
}

// src/report/json.ts
function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const source = value;
    const out = {};
    for (const key of Object.keys(source).sort()) {
      const v = source[key];
      if (v !== void 0) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}
function canonicalJson(value) {
  return JSON.stringify(sortKeys(value)) ?? "null";
}
var hasOwnEnumerable = Object.prototype.propertyIsEnumerable;
var GENERAL = /* @__PURE__ */ Symbol("general");
var CanonicalItemWriter = class _CanonicalItemWriter {
  layout;
  inner;
  write(item) {
    const text = this.object(item);
    return text === GENERAL ? canonicalJson(item) : text;
  }
  object(item) {
    if (item === null || typeof item !== "object" || Array.isArray(item)) return GENERAL;
    const proto = Object.getPrototypeOf(item);
    if (proto !== Object.prototype && proto !== null) return GENERAL;
    const layout = this.layoutOf(item);
    if (layout === void 0) return GENERAL;
    const source = item;
    let out = "";
    for (let i = 0; i < layout.sorted.length; i++) {
      const value = source[layout.sorted[i]];
      if (value === null) {
        out += out === "" ? layout.firstNull[i] : layout.nextNull[i];
        continue;
      }
      const text = this.member(value);
      if (text === void 0) continue;
      if (text === GENERAL) return GENERAL;
      out += out === "" ? layout.first[i] : layout.next[i];
      out += text;
    }
    return out === "" ? "{}" : `${out}}`;
  }
  member(value) {
    if (value === null) return "null";
    switch (typeof value) {
      case "string":
        return JSON.stringify(value);
      case "number":
        return Number.isFinite(value) ? String(value) : "null";
      case "boolean":
        return value ? "true" : "false";
      case "undefined":
      case "function":
      case "symbol":
        return void 0;
      case "object": {
        if (Array.isArray(value)) return this.array(value);
        if (hasOwnEnumerable.call(value, "toJSON")) return GENERAL;
        this.inner ??= new _CanonicalItemWriter();
        return this.inner.object(value);
      }
      default:
        return GENERAL;
    }
  }
  array(values) {
    let out = "[";
    for (let i = 0; i < values.length; i++) {
      const text = this.member(values[i]);
      if (text === GENERAL) return GENERAL;
      if (i > 0) out += ",";
      out += text ?? "null";
    }
    return `${out}]`;
  }
  /** The cached layout when the item's own keys match it, else a new one; undefined for odd keys. */
  layoutOf(item) {
    const cached = this.layout;
    if (cached !== void 0) {
      let i2 = 0;
      let same = true;
      for (const key in item) {
        if (cached.keys[i2] !== key) {
          same = false;
          break;
        }
        i2++;
      }
      if (same && i2 === cached.keys.length) return cached;
    }
    const keys = Object.keys(item);
    let i = 0;
    for (const key in item) if (keys[i++] !== key) return void 0;
    if (i !== keys.length || keys.includes("__proto__") || keys.includes("toJSON")) return void 0;
    const sorted = Object.keys(Object.fromEntries([...keys].sort().map((key) => [key, 0])));
    const names = sorted.map((key) => `${JSON.stringify(key)}:`);
    const first = names.map((n) => `{${n}`);
    const next = names.map((n) => `,${n}`);
    this.layout = {
      keys,
      sorted,
      first,
      next,
      firstNull: first.map((p) => `${p}null`),
      nextNull: next.map((p) => `${p}null`)
    };
    return this.layout;
  }
};
var FLUSH_AT = 1 << 20;
var JsonReportWriter = class _JsonReportWriter {
  constructor(file) {
    this.file = file;
  }
  file;
  count = 0;
  buffer = "";
  items = new CanonicalItemWriter();
  closed = false;
  /** Scratch for the items of a scanned page (writeRows). */
  scratch;
  static async open(path, header) {
    const file = await AtomicFileWriter.open(path);
    const writer = new _JsonReportWriter(file);
    writer.buffer = `{
  "month": ${JSON.stringify(header.month)},
  "query": ${canonicalJson(header.query)},
  "groupBy": ${canonicalJson(header.groupBy)},
` + Object.entries(header.outlook ?? {}).map(([key, value]) => `  ${JSON.stringify(key)}: ${canonicalJson(value)},
`).join("") + `  "items": [`;
    return writer;
  }
  async flush() {
    if (this.buffer.length === 0) return;
    const chunk = this.buffer;
    this.buffer = "";
    await this.file.write(chunk);
  }
  async write(item) {
    this.append(item);
    if (this.buffer.length >= FLUSH_AT) await this.flush();
  }
  /** Write a page of items; only the occasional flush waits, not every item. */
  async writeMany(items) {
    for (const item of items) {
      this.append(item);
      if (this.buffer.length >= FLUSH_AT) await this.flush();
    }
  }
  /**
   * Write `count` items given as their canonicalJson texts joined by ",\n    " (as scanPage makes them),
   * as a string or as UTF-8 bytes: the bytes writeMany writes for the same items.
   */
  async writeCanonical(joined, count) {
    if (this.closed) throw new Error("JSON writer already closed");
    if (count === 0) return;
    this.buffer += this.count === 0 ? "\n    " : ",\n    ";
    this.count += count;
    if (typeof joined === "string" && joined.length < FLUSH_AT) {
      this.buffer += joined;
      if (this.buffer.length >= FLUSH_AT) await this.flush();
      return;
    }
    await this.flush();
    await this.file.write(joined);
  }
  /**
   * Write the items of a scanned page, their canonical texts made from its values (answer-scan.ts): for an
   * ASCII page into the writer's scratch sink, reused once the file has its bytes.
   */
  async writeRows(rows) {
    if (rows.bytes === void 0) return this.writeCanonical(rows.canonicalText(), rows.count);
    if (this.closed) throw new Error("JSON writer already closed");
    if (rows.count === 0) return;
    this.buffer += this.count === 0 ? "\n    " : ",\n    ";
    this.count += rows.count;
    await this.flush();
    this.scratch ??= new ByteSink(1 << 21);
    await this.file.writeSettled(rows.canonicalBytes(this.scratch));
  }
  append(item) {
    if (this.closed) throw new Error("JSON writer already closed");
    this.buffer += `${this.count === 0 ? "\n    " : ",\n    "}${this.items.write(item)}`;
    this.count++;
  }
  async close() {
    if (this.closed) throw new Error("JSON writer already closed");
    this.closed = true;
    this.buffer += this.count === 0 ? "]\n}\n" : "\n  ]\n}\n";
    return this.file.commitAfter(() => this.flush());
  }
  async abort() {
    this.closed = true;
    this.buffer = "";
    await this.file.abort();
  }
};

// src/report/totals.ts
var UNKNOWN_CURRENCY = "unknown";
var NONE_LABEL = "(none)";
var parts = { coef: 0, scale: 0 };
function bucket(map, key) {
  let sum = map.get(key);
  if (sum === void 0) {
    sum = new ExactSum();
    map.set(key, sum);
  }
  return sum;
}
function ranked(map) {
  return rankEntries(new Map([...map].map(([name, sum]) => [name, sum.value])));
}
function rankEntries(map) {
  return [...map.entries()].sort(([na, a], [nb, b]) => compare(b, a) || (na < nb ? -1 : na > nb ? 1 : 0));
}
function label(value) {
  return typeof value === "string" && value !== "" ? value : void 0;
}
var FIELDS = [
  "computedAmount",
  "service",
  "compartmentPath",
  "compartmentName",
  "compartmentId",
  "currency"
];
var [AMOUNT, SERVICE, PATH, NAME, ID, CURRENCY] = [0, 1, 2, 3, 4, 5];
var [ABSENT, NUMBER2, STRING, BOOLEAN] = [0, 1, 2, 3];
function valueKind(rows, row, place) {
  if (place < 0) return ABSENT;
  switch (rows.text.charCodeAt(rows.start(row, place))) {
    case 110:
      return ABSENT;
    case 34:
      return STRING;
    case 116:
    // t
    case 102:
      return BOOLEAN;
    default:
      return NUMBER2;
  }
}
function stringAt(rows, row, place) {
  const start = rows.start(row, place);
  return rows.text.slice(start + 1, start + rows.length(row, place) - 1);
}
function labelAt(rows, row, place) {
  if (valueKind(rows, row, place) !== STRING || rows.length(row, place) === 2) return void 0;
  return stringAt(rows, row, place);
}
function numberParts(rows, row, place) {
  const text = rows.text;
  let at = rows.start(row, place);
  const end = at + rows.length(row, place);
  const negative = text.charCodeAt(at) === 45;
  if (negative) at++;
  let coef = 0;
  let scale = 0;
  let fraction = false;
  for (; at < end; at++) {
    const c = text.charCodeAt(at);
    if (c === 46) fraction = true;
    else {
      coef = coef * 10 + (c - 48);
      if (fraction) scale++;
    }
  }
  parts.coef = negative ? -coef : coef;
  parts.scale = scale;
}
var MonthTotals = class {
  /** `tag`: the group-by tag, whose value each row's cost is also summed by. */
  constructor(month, tag) {
    this.month = month;
    this.tag = tag;
  }
  month;
  tag;
  rows = 0;
  total = new ExactSum();
  services = /* @__PURE__ */ new Map();
  compartments = /* @__PURE__ */ new Map();
  currencies = /* @__PURE__ */ new Set();
  tagValues = /* @__PURE__ */ new Map();
  untagged = new ExactSum();
  /** Count a page's rows: from where a scanned page holds their values, else from its items. */
  addPage(page) {
    if (page.rows !== void 0 && this.tag === void 0) this.addRows(page.rows);
    else for (const item of page.items) this.add(item);
  }
  /** Count one row. Throws (with the field named) when computedAmount is present but not a number. */
  add(item) {
    this.rows++;
    const raw = item.computedAmount;
    let amount;
    let small = false;
    if (raw !== null && raw !== void 0) {
      if (typeof raw !== "number" && typeof raw !== "string") {
        throw new Error(`a usage item has a computedAmount of type ${typeof raw}, not a number`);
      }
      small = typeof raw === "number" && smallDecimalParts(raw, parts);
      if (!small) amount = parseDecimal(raw);
    }
    const service = label(item.service) ?? NONE_LABEL;
    const compartment = label(item.compartmentPath) ?? label(item.compartmentName) ?? label(item.compartmentId) ?? NONE_LABEL;
    this.addAmount(small, amount, service, compartment, this.tag ? this.tagBucket(item) : void 0);
    const currency = label(item.currency);
    if (currency !== void 0) this.currencies.add(currency);
  }
  /**
   * Count scanned rows as add() counts their items. A number's text is as JavaScript prints it (at most
   * 15 digits, no exponent), so its digits are the exact parts smallDecimalParts gives for the number.
   */
  addRows(rows) {
    let layout;
    let fields = FIELDS.map(() => -1);
    for (let row = 0; row < rows.count; row++) {
      if (rows.layoutOf(row) !== layout) {
        layout = rows.layoutOf(row);
        fields = FIELDS.map((name) => layout.index.get(name) ?? -1);
      }
      this.rows++;
      let amount;
      let small = false;
      const raw = valueKind(rows, row, fields[AMOUNT]);
      if (raw === NUMBER2) {
        numberParts(rows, row, fields[AMOUNT]);
        small = true;
      } else if (raw === STRING) amount = parseDecimal(stringAt(rows, row, fields[AMOUNT]));
      else if (raw === BOOLEAN) {
        throw new Error("a usage item has a computedAmount of type boolean, not a number");
      }
      const service = labelAt(rows, row, fields[SERVICE]) ?? NONE_LABEL;
      const compartment = labelAt(rows, row, fields[PATH]) ?? labelAt(rows, row, fields[NAME]) ?? labelAt(rows, row, fields[ID]) ?? NONE_LABEL;
      this.addAmount(small, amount, service, compartment, void 0);
      const currency = labelAt(rows, row, fields[CURRENCY]);
      if (currency !== void 0) this.currencies.add(currency);
    }
  }
  /** One row's amount (its parts in `parts` when small) into the sums it counts in. */
  addAmount(small, amount, serviceName, compartmentName, tagged) {
    const service = bucket(this.services, serviceName);
    const compartment = bucket(this.compartments, compartmentName);
    if (small) {
      this.total.addParts(parts.coef, parts.scale);
      service.addParts(parts.coef, parts.scale);
      compartment.addParts(parts.coef, parts.scale);
      tagged?.addParts(parts.coef, parts.scale);
    } else if (amount !== void 0) {
      this.total.addDecimal(amount);
      service.addDecimal(amount);
      compartment.addDecimal(amount);
      tagged?.addDecimal(amount);
    }
  }
  /** The sum for the row's value of the group-by tag, or the untagged sum (no such tag, or no value). */
  tagBucket(item) {
    const { namespace, key } = this.tag;
    const value = label(tagsOf(item).find((t) => t.namespace === namespace && t.key === key)?.value);
    return value === void 0 ? this.untagged : bucket(this.tagValues, value);
  }
  /** The first currency seen in the rows, if any. */
  get detectedCurrency() {
    return this.currencies.values().next().value;
  }
  result(fallbackCurrency) {
    return {
      month: this.month,
      rows: this.rows,
      total: this.total.value,
      currency: this.detectedCurrency ?? fallbackCurrency ?? UNKNOWN_CURRENCY,
      currencies: [...this.currencies].sort(),
      byService: ranked(this.services),
      byCompartment: ranked(this.compartments),
      ...this.tag ? { byTag: { values: ranked(this.tagValues), untagged: this.untagged.value } } : {}
    };
  }
};

// src/report/outlook.ts
var DAY_MS = 864e5;
function forecastRequest(body, window) {
  if (!window.partial || window.end >= window.periodEnd) return void 0;
  const { groupBy: _groupBy, groupByTag: _groupByTag, compartmentDepth: _depth, ...rest } = body;
  return {
    ...rest,
    granularity: "DAILY",
    forecast: { forecastType: "BASIC", timeForecastStarted: window.end, timeForecastEnded: window.periodEnd }
  };
}
var ForecastTotals = class {
  actual;
  forecast;
  constructor(month) {
    this.actual = new MonthTotals(month);
    this.forecast = new MonthTotals(month);
  }
  add(item) {
    (item.isForecast === true ? this.forecast : this.actual).add(item);
  }
  result(window) {
    const actual = this.actual.result().total;
    const rest = this.forecast.result().total;
    return { actual, rest, monthEnd: add(actual, rest), from: window.end, to: window.periodEnd };
  }
};
function unsettledFrom(window, now, settleDays) {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const from = Math.max(today - settleDays * DAY_MS, Date.parse(window.start));
  return from < Date.parse(window.end) ? new Date(from).toISOString().slice(0, 10) : void 0;
}
function budgetedTotal(month, budgetOn) {
  const forecast = budgetOn === "forecast" ? month.outlook?.forecast : void 0;
  return forecast ? { amount: forecast.monthEnd, forecast: true } : { amount: month.total, forecast: false };
}
function outlookHeader(outlook) {
  const header = {};
  if (outlook.forecast) {
    const f = outlook.forecast;
    header.forecast = {
      actual: formatExact(f.actual),
      forecastType: "BASIC",
      monthEnd: formatExact(f.monthEnd),
      rest: formatExact(f.rest),
      timeForecastEnded: f.to,
      timeForecastStarted: f.from
    };
  }
  if (outlook.unsettledFrom) header.unsettledFrom = outlook.unsettledFrom;
  return header;
}
function forecastOutput(months) {
  const last = [...months].reverse().find((m) => m.outlook?.forecast);
  const f = last?.outlook?.forecast;
  if (!last || !f) return "";
  return JSON.stringify({
    month: last.month,
    actual: formatExact(f.actual),
    forecast: formatExact(f.monthEnd),
    currency: last.currency
  });
}
function commitNote(months) {
  const lines = months.filter((m) => m.partial || m.outlook?.unsettledFrom).map((m) => {
    const what = [
      m.partial ? "partial (the current month)" : "",
      m.outlook?.unsettledFrom ? `not yet settled from ${m.outlook.unsettledFrom}` : ""
    ].filter((s) => s !== "").join(", ");
    return `${m.month} is ${what}: the next run replaces its files.`;
  });
  return lines.length === 0 ? "" : `

${lines.join("\n")}`;
}
function forecastOver(forecast, budget) {
  return compare(forecast.monthEnd, budget) > 0;
}

// src/lib/aimd.ts
var Aimd = class {
  constructor(max, initial = 1) {
    this.max = max;
    if (!Number.isSafeInteger(max) || max < 1)
      throw new RangeError(`AIMD cap must be a whole number >= 1, got ${max}`);
    this.current = Math.min(max, Math.max(1, Math.floor(initial)));
  }
  max;
  current;
  /** Calls that may be in flight now. */
  get limit() {
    return this.current;
  }
  /** A call succeeded: one more may run, up to the cap. */
  succeeded() {
    this.current = Math.min(this.max, this.current + 1);
  }
  /** A call was throttled: half as many may run, at least one. */
  throttled() {
    this.current = Math.max(1, Math.floor(this.current / 2));
  }
};

// src/report/split.ts
var DAY_MS2 = 864e5;
var LEADING_FIELDS = {
  service: "service",
  skuName: "skuName",
  skuPartNumber: "skuPartNumber",
  unit: "unit",
  platform: "platform",
  region: "region",
  logicalAd: "ad",
  compartmentName: "compartmentName",
  compartmentPath: "compartmentPath",
  compartmentId: "compartmentId"
};
var COMPARTMENT_DIMENSIONS = /* @__PURE__ */ new Set(["compartmentName", "compartmentPath", "compartmentId"]);
var CONSTANT_DIMENSIONS = /* @__PURE__ */ new Set(["tenantId", "tenantName"]);
function planSplit(body) {
  if (body.forecast !== void 0 || body.filter !== void 0) return { kind: "none" };
  if (body.granularity === "DAILY") {
    const days = Math.round((Date.parse(body.timeUsageEnded) - Date.parse(body.timeUsageStarted)) / DAY_MS2);
    return days > 1 ? { kind: "days", days } : { kind: "none" };
  }
  if (body.granularity !== "MONTHLY") return { kind: "none" };
  const dimension = (body.groupBy ?? []).find((d) => !CONSTANT_DIMENSIONS.has(d));
  if (dimension === void 0 || LEADING_FIELDS[dimension] === void 0) return { kind: "none" };
  if (COMPARTMENT_DIMENSIONS.has(dimension) && body.compartmentDepth !== void 0) return { kind: "none" };
  const { groupByTag: _tag, ...rest } = body;
  return { kind: "leading", dimension, listing: { ...rest, groupBy: [dimension] } };
}
function estimatePages(body, firstPage) {
  const start = Date.parse(body.timeUsageStarted);
  const days = Math.round((Date.parse(body.timeUsageEnded) - start) / DAY_MS2);
  const last = firstPage.at(-1)?.timeUsageStarted;
  if (typeof last !== "string") return 1;
  const lastDay = Math.floor((Date.parse(last) - start) / DAY_MS2);
  if (!(lastDay >= 1)) return days;
  const inWholeDays = firstPage.filter(
    (item) => typeof item.timeUsageStarted === "string" && Date.parse(item.timeUsageStarted) < start + lastDay * DAY_MS2
  ).length;
  return days * inWholeDays / lastDay / firstPage.length;
}
function dayParts(body, count) {
  const start = Date.parse(body.timeUsageStarted);
  const days = Math.round((Date.parse(body.timeUsageEnded) - start) / DAY_MS2);
  const n = Math.max(1, Math.min(days, Math.floor(count)));
  const parts2 = [];
  let from = 0;
  for (let i = 0; i < n; i++) {
    const length = Math.floor(days / n) + (i < days % n ? 1 : 0);
    const to = from + length;
    parts2.push({
      ...body,
      timeUsageStarted: new Date(start + from * DAY_MS2).toISOString(),
      timeUsageEnded: i === n - 1 ? body.timeUsageEnded : new Date(start + to * DAY_MS2).toISOString()
    });
    from = to;
  }
  return parts2;
}
function pastFirstPart(parts2, dimension) {
  const field = dimension === void 0 ? void 0 : LEADING_FIELDS[dimension];
  if (field !== void 0) {
    const first = parts2[0]?.filter?.dimensions?.[0]?.value;
    return (item) => item[field] !== first;
  }
  const secondStarts = Date.parse(parts2[1]?.timeUsageStarted ?? "");
  return (item) => typeof item.timeUsageStarted === "string" && Date.parse(item.timeUsageStarted) >= secondStarts;
}
function leadingParts(body, dimension, listing) {
  const field = LEADING_FIELDS[dimension];
  if (field === void 0) return void 0;
  const values = [];
  const seen = /* @__PURE__ */ new Set();
  for (const item of listing) {
    const value = item[field];
    if (typeof value !== "string" || value === "" || seen.has(value)) return void 0;
    seen.add(value);
    values.push(value);
  }
  if (values.length < 2) return void 0;
  return values.map((value) => ({
    ...body,
    filter: { operator: "AND", dimensions: [{ key: dimension, value }] }
  }));
}

// src/report/parallel.ts
var FIRST_PART_ENDED = new Error("the first part ended");
var MAX_WAITING_PAGES = 16;
var PartQueue = class {
  pages = [];
  done = false;
  error;
  wake;
  space;
  /** The consumer waits here for a page or the end. */
  changed() {
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }
  /** The producer waits here while the queue is full. */
  drained() {
    return new Promise((resolve) => {
      this.space = resolve;
    });
  }
  notify() {
    this.wake?.();
    this.wake = void 0;
  }
  release() {
    this.space?.();
    this.space = void 0;
  }
};
var ParallelUsageSource = class {
  constructor(source, maxConcurrency, log) {
    this.source = source;
    this.log = log;
    this.aimd = new Aimd(maxConcurrency);
  }
  source;
  log;
  aimd;
  /** For the endpoint client's `onCall`: every request's outcome moves the limit. */
  observe = (outcome) => {
    if (outcome === "ok") this.aimd.succeeded();
    else if (outcome === "throttled") {
      this.aimd.throttled();
      this.log?.(`the endpoint is throttling (HTTP 429): at most ${this.aimd.limit} request(s) at once now`);
    }
    this.schedule?.();
  };
  /** Starts the parts the current limit allows (set while a month's parts run). */
  schedule;
  close() {
    return this.source.close?.() ?? Promise.resolve();
  }
  async fetchMonth(body, onPage) {
    const plan = planSplit(body);
    if (this.aimd.max === 1 || plan.kind === "none") return this.source.fetchMonth(body, onPage);
    const held = [];
    const probe = await this.source.fetchMonth(body, (page) => void held.push(page), { maxPages: 1 });
    const handOn = async () => {
      for (const page of held.splice(0)) await onPage(page);
    };
    if (probe.nextPage === void 0) {
      await handOn();
      return probe;
    }
    const parts2 = await this.partsOf(body, plan, held[0]?.items ?? []);
    if (parts2 === void 0) {
      await handOn();
      const rest = await this.source.fetchMonth(body, onPage, { from: probe.nextPage });
      return { pages: probe.pages + rest.pages, items: probe.items + rest.items };
    }
    this.log?.(`fetching the month as ${parts2.length} parts, up to ${this.aimd.max} at once`);
    const past = pastFirstPart(parts2, plan.kind === "leading" ? plan.dimension : void 0);
    const first = (handle) => this.continueFirst(body, held, probe.nextPage, past, handle);
    return this.fetchParts([first, ...parts2.slice(1).map((part) => this.partFetch(part))], onPage);
  }
  /** A part fetched as a query of its own, one page ahead (a part waiting its turn holds one more). */
  partFetch(part) {
    return (handle) => this.source.fetchMonth(part, handle, { prefetch: true });
  }
  /**
   * The month's first page, then its query from `from` on, each page cut before its first item `past`
   * the first part; no page is asked for once one was cut (so none is read ahead).
   */
  async continueFirst(body, held, from, past, handle) {
    let ended = false;
    const cut = async (page) => {
      const end = page.items.findIndex(past);
      if (end === -1) return handle(page);
      ended = true;
      if (end > 0) await handle({ groupBy: page.groupBy, items: page.items.slice(0, end), page: page.page });
      throw FIRST_PART_ENDED;
    };
    try {
      for (const page of held.splice(0)) await cut(page);
      if (from !== void 0) await this.source.fetchMonth(body, cut, { from, prefetch: false });
    } catch (err) {
      if (!(ended && err === FIRST_PART_ENDED)) throw err;
    }
  }
  async partsOf(body, plan, firstItems) {
    if (plan.kind === "days") {
      const count = Math.min(plan.days, Math.round(estimatePages(body, firstItems)));
      return count >= 2 ? dayParts(body, count) : void 0;
    }
    const listing = [];
    await this.source.fetchMonth(plan.listing, (page) => {
      for (const item of page.items) listing.push(item);
    });
    return leadingParts(body, plan.dimension, listing);
  }
  /** Every part fetched, at most `aimd.limit` at once, their pages handed on in the parts' order. */
  async fetchParts(parts2, onPage) {
    const queues = parts2.map(() => new PartQueue());
    const running = /* @__PURE__ */ new Set();
    let next = 0;
    let head = 0;
    let stopped = false;
    const start = (index) => {
      const queue = queues[index];
      const run = parts2[index](async (page) => {
        if (stopped) throw new Error("the month was given up");
        queue.pages.push(page);
        queue.notify();
        while (index !== head && queue.pages.length >= MAX_WAITING_PAGES && !stopped) await queue.drained();
      }).then(
        () => {
          queue.done = true;
        },
        (err) => {
          queue.error = err ?? new Error("a part failed");
          queue.done = true;
        }
      ).finally(() => {
        running.delete(run);
        queue.notify();
        this.schedule?.();
      });
      running.add(run);
    };
    this.schedule = () => {
      while (!stopped && next < parts2.length && running.size < this.aimd.limit) start(next++);
    };
    let pages = 0;
    let items = 0;
    try {
      this.schedule();
      for (; head < parts2.length; head++) {
        const queue = queues[head];
        queue.release();
        for (; ; ) {
          const page = queue.pages.shift();
          if (page !== void 0) {
            pages++;
            items += page.rows?.count ?? page.items.length;
            await onPage(page);
            continue;
          }
          if (queue.error !== void 0) throw queue.error;
          if (queue.done) break;
          await queue.changed();
        }
      }
      return { pages, items };
    } finally {
      stopped = true;
      this.schedule = void 0;
      for (const queue of queues) queue.release();
      await Promise.all(running);
    }
  }
};

// src/report/summary.ts
var SUMMARY_MAX_BYTES = 1e6;
var CELL_MAX_CHARS = 120;
var DEFAULT_TOP = 10;
function escapeMarkdown(value, maxChars = CELL_MAX_CHARS) {
  return clip(flatten(value), maxChars).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/[\\|[\]`*_~$]/g, (c) => `\\${c}`);
}
function mermaidLabel(value, maxChars = 30) {
  const text = value.replace(/[^\p{L}\p{N} ._/()-]+/gu, " ").replace(/-{2,}/g, "-").replace(/\s+/g, " ").trim();
  return (text.length > maxChars ? `${text.slice(0, maxChars - 1)}\u2026` : text) || "-";
}
function money(value) {
  return formatFixed(value, 2);
}
function change(current, previous) {
  const diff = subtract(current, previous);
  const ratio = divide(multiply(diff, parseDecimal(100)), abs(previous), 1);
  const sign = compare(diff, ZERO) > 0 ? "+" : "";
  return {
    amount: `${sign}${money(diff)}`,
    percent: ratio === void 0 ? "n/a" : `${compare(ratio, ZERO) > 0 ? "+" : ""}${formatFixed(ratio, 1)}%`
  };
}
function matrix(months, pick, top) {
  const overall = /* @__PURE__ */ new Map();
  const perMonth = months.map((m) => new Map(pick(m)));
  for (const map of perMonth)
    for (const [name, amount] of map) overall.set(name, add(overall.get(name) ?? ZERO, amount));
  const ranked2 = rankEntries(overall);
  const kept = ranked2.slice(0, top);
  const rest = ranked2.slice(top);
  const result = {
    names: kept.map(([name]) => name),
    values: kept.map(([name]) => perMonth.map((map) => map.get(name) ?? ZERO)),
    totals: kept.map(([, total]) => total)
  };
  if (rest.length > 0) {
    result.others = {
      count: rest.length,
      values: perMonth.map((map) => rest.reduce((acc, [name]) => add(acc, map.get(name) ?? ZERO), ZERO)),
      total: rest.reduce((acc, [, total]) => add(acc, total), ZERO)
    };
  }
  return result;
}
function table(header, rows) {
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map((_, i) => i === 0 ? "---" : "---:").join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`)
  ];
}
function currencyNote(months) {
  const currencies = [...new Set(months.map((m) => m.currency))];
  return currencies.map((c) => escapeMarkdown(c)).join(", ");
}
function matrixSection(title, what, months, data, extraRows = []) {
  if (data.names.length === 0 && extraRows.length === 0) return [];
  const header = [what, ...months.map((m) => m.month), "Total"];
  const rows = data.names.map((name, i) => [
    escapeMarkdown(name),
    ...data.values[i].map(money),
    money(data.totals[i])
  ]);
  if (data.others) {
    rows.push([
      `Other (${data.others.count} more)`,
      ...data.others.values.map(money),
      money(data.others.total)
    ]);
  }
  rows.push(...extraRows);
  return [`### ${title} (${currencyNote(months)})`, "", ...table(header, rows), ""];
}
function chartSection(months, services) {
  if (months.length === 0 || services.names.length === 0) return [];
  const currency = mermaidLabel(currencyNote(months).replace(/\\/g, ""));
  const lines = [];
  if (months.length > 1) {
    const totals = months.map((m) => m.total);
    lines.push(
      "```mermaid",
      "xychart-beta",
      `  title "Total per month (${currency})"`,
      `  x-axis [${months.map((m) => `"${m.month}"`).join(", ")}]`,
      ...yAxis(currency, totals),
      `  bar [${totals.map(money).join(", ")}]`,
      "```",
      "",
      "_The bars are the totals of the table above._",
      ""
    );
  }
  return [...lines, ...pieSection(months, services, currency)];
}
function pieSection(months, services, currency) {
  const last = months.length - 1;
  const slices = services.names.map((name, i) => [
    name,
    services.values[i][last]
  ]);
  if (services.others) slices.push([`Other (${services.others.count} more)`, services.others.values[last]]);
  const positive = slices.filter(([, amount]) => compare(amount, ZERO) > 0);
  if (positive.length === 0) return [];
  const seen = /* @__PURE__ */ new Set();
  const rows = positive.map(([name, amount]) => {
    let label2 = mermaidLabel(name);
    for (let n = 2; seen.has(label2); n++) label2 = `${mermaidLabel(name, 25)} (${n})`;
    seen.add(label2);
    return `  "${label2}" : ${money(amount)}`;
  });
  const left = slices.length - positive.length;
  return [
    "```mermaid",
    "pie showData",
    // A pie's title is bare text (xychart-beta's is quoted): quotes would be drawn.
    `  title Cost by service, ${months[last].month} (${currency})`,
    ...rows,
    "```",
    "",
    `_The slices are the ${months[last].month} column of the service table below${left > 0 ? `; ${left} row(s) of zero or negative cost are not drawn` : ""}._`,
    ""
  ];
}
function yAxis(currency, numbers) {
  let low = ZERO;
  let high = ZERO;
  for (const n of numbers) {
    if (compare(n, low) < 0) low = n;
    if (compare(n, high) > 0) high = n;
  }
  if (compare(low, high) === 0) high = add(low, parseDecimal(1));
  return [`  y-axis "${currency}" ${money(low)} --> ${money(high)}`];
}
function tagSection(input, top) {
  const { months, tag } = input;
  if (!tag || !months.some((m) => m.byTag)) return [];
  const values = matrix(months, (m) => m.byTag?.values ?? [], top);
  const untagged = months.map((m) => m.byTag?.untagged ?? ZERO);
  const untaggedRow = ["_(untagged)_", ...untagged.map(money), money(untagged.reduce(add, ZERO))];
  const label2 = escapeMarkdown(tag);
  const coverage = months.map((m, i) => {
    const tagged = subtract(m.total, untagged[i]);
    const share = compare(m.total, ZERO) > 0 ? divide(multiply(tagged, parseDecimal(100)), m.total, 1) : void 0;
    return [
      m.month,
      money(tagged),
      money(untagged[i]),
      share === void 0 ? "n/a" : `${formatFixed(share, 1)}%`
    ];
  });
  return [
    ...matrixSection(`Cost by tag ${label2}`, label2, months, values, [untaggedRow]),
    `### Allocation coverage by ${label2}`,
    "",
    ...table(["Month", "Tagged", "Untagged", "Coverage"], coverage),
    ""
  ];
}
function anomaliesSection(input, top) {
  const found = input.anomalies;
  if (!found || input.months.length === 0) return [];
  const { percent, amount } = found.thresholds;
  const limits = `${formatExact(percent)}% and ${formatExact(amount)} ${currencyNote(input.months)}`;
  const lines = [`### Anomalies (changes of at least ${limits} month over month)`, ""];
  if (found.items.length === 0) {
    const compared = comparedPairs(input.months, input.baseline).map(([, m]) => m.month);
    lines.push(
      compared.length > 0 ? `None in ${compared.join(", ")}: no service or compartment changed that much, and no service appeared or vanished.` : "No month could be compared: each needs the month before it, complete and with rows (see compare-previous).",
      ""
    );
    return lines;
  }
  const rows = found.items.slice(0, top).map((a) => {
    const delta = change(a.current, a.previous);
    const cells = [a.month, a.dimension, escapeMarkdown(a.name), a.kind];
    return [...cells, money(a.previous), money(a.current), delta.amount, delta.percent];
  });
  lines.push(
    ...table(["Month", "Dimension", "Name", "Kind", "Previous", "Current", "Change", "Change %"], rows),
    ""
  );
  const more = found.items.length - rows.length;
  if (more > 0) lines.push(`_${more} more: the \`anomalies\` output lists them (up to 100)._`, "");
  return lines;
}
function totalsSection(input) {
  const known = /* @__PURE__ */ new Map();
  if (input.baseline) known.set(input.baseline.month, input.baseline);
  for (const m of input.months) known.set(m.month, m);
  const rows = input.months.map((m) => {
    const prev = known.get(previousMonth(m.month));
    const delta = prev && prev.currency === m.currency ? change(m.total, prev.total) : void 0;
    return [
      m.partial ? `${m.month} (partial)` : m.month,
      money(m.total),
      escapeMarkdown(m.currency),
      delta?.amount ?? "\u2014",
      delta?.percent ?? "\u2014",
      String(m.rows)
    ];
  });
  return [
    "### Total per month",
    "",
    ...table(["Month", "Total", "Currency", "Change vs previous month", "Change %", "Rows"], rows),
    ""
  ];
}
function budgetSection(input) {
  const budget = input.budget;
  if (!budget || input.months.length === 0) return [];
  const onForecast = input.budgetOn === "forecast";
  const rows = input.months.map((m) => {
    const forecast = onForecast ? m.outlook?.forecast : void 0;
    const basis = forecast ? forecast.monthEnd : m.total;
    const used = divide(multiply(basis, parseDecimal(100)), budget.amount, 1);
    const over = compare(basis, budget.amount) > 0;
    const status = forecast ? forecastStatus(over, budget.action) : !over ? "\u2705 within budget" : budget.action === "fail" ? "\u274C over budget (fails the run)" : "\u26A0\uFE0F over budget";
    const total = forecast ? `${money(basis)} (forecast month-end)` : money(basis);
    return [m.month, total, used === void 0 ? "n/a" : `${formatFixed(used, 1)}%`, status];
  });
  return [
    `### Budget: ${money(budget.amount)} per month (${budget.action}${onForecast ? ", on the forecast" : ""})`,
    "",
    ...table(["Month", "Total", "Budget used", "Status"], rows),
    ""
  ];
}
function render(input, top, chart, truncated) {
  const lines = [
    `## OCI usage report: ${escapeMarkdown(input.queryType)}, ${escapeMarkdown(input.granularity)}`,
    ""
  ];
  if (input.failed.length > 0) {
    lines.push(
      `> [!WARNING]`,
      `> ${input.failed.length} month(s) failed; no file was written for them.`,
      "",
      "### Failed months",
      "",
      ...input.failed.map((f) => `- ${escapeMarkdown(f.month)}: ${escapeMarkdown(f.reason, 300)}`),
      ""
    );
  }
  if (input.months.length === 0) {
    lines.push("No month was reported.", "");
  } else {
    const services = matrix(input.months, (m) => m.byService, top);
    const compartments = matrix(input.months, (m) => m.byCompartment, top);
    lines.push(
      ...totalsSection(input),
      ...outlookSection(input),
      ...budgetSection(input),
      ...anomaliesSection(input, top)
    );
    if (chart) lines.push("### Charts", "", ...chartSection(input.months, services));
    lines.push(
      ...matrixSection("Top services", "Service", input.months, services),
      ...matrixSection("Top compartments", "Compartment", input.months, compartments),
      ...tagSection(input, top)
    );
  }
  if (input.files.length > 0) {
    lines.push(
      "<details><summary>Files written</summary>",
      "",
      ...input.files.map((f) => `- ${escapeMarkdown(f, 300)}`),
      "",
      "</details>",
      ""
    );
  }
  if (truncated)
    lines.push(`_Tables cut to ${top} rows to keep the summary under 1 MiB; the files hold every row._`, "");
  return lines.join("\n");
}
function buildSummary(input) {
  const maxBytes = input.maxBytes ?? SUMMARY_MAX_BYTES;
  let top = input.topN ?? DEFAULT_TOP;
  const chart = input.chart ?? true;
  let text = render(input, top, chart, false);
  while (Buffer.byteLength(text) > maxBytes && top > 1) {
    top = Math.max(1, Math.floor(top / 2));
    text = render(input, top, chart, true);
  }
  if (Buffer.byteLength(text) > maxBytes) text = render(input, top, false, true);
  if (Buffer.byteLength(text) > maxBytes) {
    const note = "\n\n_Summary cut to stay under 1 MiB; see the report files._\n";
    const room = Math.max(0, maxBytes - Buffer.byteLength(note));
    let cut = Buffer.from(text).subarray(0, room).toString("utf8");
    cut = cut.replace(/\uFFFD$/, "");
    const lastLine = cut.lastIndexOf("\n");
    text = (lastLine > 0 ? cut.slice(0, lastLine) : "") + note;
  }
  return text;
}
function forecastStatus(over, action) {
  if (!over) return "\u2705 within budget";
  return action === "fail" ? "\u274C forecast over budget (fails the run)" : "\u26A0\uFE0F forecast over budget";
}
function outlookSection(input) {
  const months = input.months.filter((m) => m.outlook?.forecast || m.outlook?.unsettledFrom);
  if (months.length === 0) return [];
  const { budget } = input;
  const gate = budget && input.budgetOn === "forecast" ? budget : void 0;
  const rows = months.map((m) => {
    const f = m.outlook?.forecast;
    const row = [
      m.partial ? `${m.month} (partial)` : m.month,
      money(f ? f.actual : m.total),
      f ? money(f.monthEnd) : "\u2014",
      m.outlook?.unsettledFrom ? `\u23F3 from ${m.outlook.unsettledFrom}` : "settled"
    ];
    if (gate) row.push(!f ? "\u2014" : forecastStatus(forecastOver(f, gate.amount), gate.action));
    return row;
  });
  const header = ["Month", "Actual so far", "Forecast month-end", "Not yet settled"];
  if (gate) header.push(`Budget ${money(gate.amount)} (on forecast)`);
  return [
    "### Forecast and freshness",
    "",
    ...table(header, rows),
    "",
    `_Forecast month-end: the actual cost so far plus the Usage API's BASIC forecast of the days left. Not yet settled: today and the ${input.settleDays ?? 2} day(s) before it are within the Usage API's data lag and may still change; the next run replaces these files._`,
    ""
  ];
}

// src/report/index.ts
function fileBase(inputs) {
  return `usage-${inputs.granularity.toLowerCase()}-${inputs.queryType.toLowerCase()}`;
}
function usageRequest(inputs, window) {
  return {
    ...inputs.tenantId ? { tenantId: inputs.tenantId } : {},
    granularity: inputs.granularity,
    queryType: inputs.queryType,
    timeUsageStarted: window.start,
    timeUsageEnded: window.end,
    ...inputs.groupBy.length > 0 ? { groupBy: inputs.groupBy } : {},
    ...inputs.groupByTag ? { groupByTag: [inputs.groupByTag] } : {},
    ...inputs.compartmentDepth !== void 0 ? { compartmentDepth: inputs.compartmentDepth } : {}
  };
}
function focusRequest(inputs, body) {
  return { ...body, groupBy: focusGroupBy(inputs.groupBy) };
}
function monthsLabel(months) {
  if (months.length === 0) return "";
  return months.length === 1 ? months[0] : `${months[0]}..${months[months.length - 1]}`;
}
async function runReport(inputs, deps) {
  const run = startRun(inputs, deps);
  const fetched = await deps.log.group("Fetch the usage reports", () => fetchReports(run));
  const { figures, baseline } = monthFigures(run, fetched);
  const overBudget = checkBudget(run, figures);
  const anomalies = findAnomalies(figures, baseline, thresholdsOf(inputs));
  const commit = await commitFiles(run, fetched.files, figures);
  setOutputs(run, fetched, { figures, anomalies }, commit);
  const markdown = await writeSummary(run, fetched, { figures, baseline, anomalies }, commit);
  failIfProblems(inputs, fetched.failed, commit, overBudget);
  const { files, failed, changed } = fetched;
  return { files, months: figures, failed, changed, commitSha: commit.sha, markdown };
}
function startRun(inputs, deps) {
  const shape = {
    granularity: inputs.granularity,
    queryType: inputs.queryType,
    groupBy: inputs.groupBy,
    groupByTag: inputs.groupByTag
  };
  return {
    inputs,
    deps,
    info: (line) => deps.log.info(safeLogLine(line)),
    warn: (line) => deps.log.warning(safeLogLine(line)),
    deadline: deps.clock.now() + inputs.timeBudgetMs,
    plainColumns: reportColumns(shape),
    focusColumns: focusColumns(shape, inputs.focusVersion)
  };
}
function openClients(run) {
  const { inputs, deps, deadline } = run;
  const { clock } = deps;
  const token = deps.createTokenClient({
    auth: inputs.auth,
    setSecret: deps.setSecret,
    clock,
    deadline,
    log: run.info
  });
  let observe;
  const client = deps.createEndpointClient({
    endpoint: inputs.endpoint,
    token,
    clock,
    deadline,
    log: run.info,
    onCall: (outcome) => observe?.(outcome)
  });
  if (inputs.maxConcurrency <= 1) return { token, endpoint: client };
  const parallel = new ParallelUsageSource(client, inputs.maxConcurrency, run.info);
  observe = parallel.observe;
  return { token, endpoint: parallel };
}
async function fetchReports(run) {
  await sweepStaleTemps(run);
  const { token, endpoint } = openClients(run);
  try {
    const fetched = await reportMonths(run, endpoint);
    return { ...fetched, baseline: await fetchBaseline(run, endpoint, fetched) };
  } finally {
    await Promise.all([token.close?.(), endpoint.close?.()].map((p) => p?.catch(() => {
    })));
  }
}
var REPORT_FILE = /^usage-[a-z]+-[a-z]+\.(csv|json|focus\.csv)$/;
async function sweepStaleTemps(run) {
  const dir = join(run.deps.root, run.inputs.outputDir);
  const months = await readdir(dir).catch(() => []);
  let removed = 0;
  for (const month of months.filter((name) => /^\d{4}-\d{2}$/.test(name))) {
    const folder = join(dir, month);
    const gone = await removeStaleTemps(folder, (name) => REPORT_FILE.test(name));
    if (gone.length === 0) continue;
    removed += gone.length;
    await rmdir(folder).catch(() => {
    });
  }
  if (removed > 0) run.info(`removed ${removed} temp file(s) that an interrupted earlier run left`);
}
async function reportMonths(run, endpoint) {
  const fetched = { files: [], reported: [], failed: [], changed: false, fatal: false };
  for (const window of run.inputs.months) {
    if (fetched.fatal) {
      fetched.failed.push({ month: window.month, reason: `not attempted after an earlier fatal error` });
      continue;
    }
    try {
      await reportMonth(run, endpoint, window, fetched);
    } catch (err) {
      const reason = oneLine(err);
      fetched.failed.push({ month: window.month, reason });
      if (err instanceof FatalReportError) fetched.fatal = true;
      else run.warn(`month ${window.month} failed: ${reason}`);
    }
  }
  return fetched;
}
async function reportMonth(run, endpoint, window, fetched) {
  const body = usageRequest(run.inputs, window);
  const month = new MonthTotals(window.month, run.inputs.groupByTag);
  const sinks = [];
  try {
    const outlook = await monthOutlook(run, endpoint, body, window);
    await openSinks(run, window, body, outlook, sinks);
    const result = await endpoint.fetchMonth(body, async (page) => {
      month.addPage(page);
      for (const { sink, focus } of sinks) if (!focus) await sink.writePage(page);
    });
    await fetchFocus(run, endpoint, body, sinks);
    const written = await closeSinks(sinks, fetched);
    fetched.files.push(...written);
    fetched.reported.push({ totals: month, window, outlook });
    run.info(
      `month ${window.month}${window.partial ? " (partial: the current month)" : ""}: ${result.items} rows in ${result.pages} page(s) -> ${written.join(", ")}`
    );
  } catch (err) {
    for (const { sink } of sinks) await sink.abort().catch(() => {
    });
    await rmdir(join(run.deps.root, run.inputs.outputDir, window.month)).catch(() => {
    });
    throw err;
  }
}
async function monthOutlook(run, endpoint, body, window) {
  const outlook = {
    unsettledFrom: unsettledFrom(window, new Date(run.deps.clock.now()), run.inputs.settleDays)
  };
  const request2 = forecastRequest(body, window);
  if (!request2) return outlook;
  try {
    const totals = new ForecastTotals(window.month);
    await endpoint.fetchMonth(request2, (page) => {
      for (const item of page.items) totals.add(item);
    });
    outlook.forecast = totals.result(window);
  } catch (err) {
    run.warn(`could not fetch the forecast of ${window.month} (${oneLine(err)}); the summary shows none`);
  }
  return outlook;
}
async function fetchFocus(run, endpoint, body, sinks) {
  const focus = sinks.filter((s) => s.focus);
  if (focus.length === 0) return;
  await endpoint.fetchMonth(focusRequest(run.inputs, body), async (page) => {
    for (const { sink } of focus) await sink.writePage(page);
  });
}
async function openSinks(run, window, body, outlook, into) {
  const { inputs, deps } = run;
  const ctx = {
    month: window.month,
    billingPeriodStart: window.start,
    billingPeriodEnd: window.periodEnd,
    fallbackCurrency: inputs.currency,
    tenantId: inputs.tenantId
  };
  const { tenantId: _omitted, ...query } = body;
  const kinds = [
    [inputs.csv, ".csv", (path) => csvSink(path, run.plainColumns, ctx)],
    [
      inputs.json,
      ".json",
      (path) => jsonSink(path, {
        month: window.month,
        query,
        groupBy: inputs.groupBy,
        outlook: outlookHeader(outlook)
      })
    ],
    [inputs.focus, ".focus.csv", (path) => csvSink(path, run.focusColumns, ctx)]
  ];
  const relDir = posix.join(inputs.outputDir, window.month);
  for (const [wanted, suffix, open] of kinds) {
    if (!wanted) continue;
    const rel = posix.join(relDir, `${fileBase(inputs)}${suffix}`);
    into.push({ rel, sink: await open(join(deps.root, rel)), focus: suffix === ".focus.csv" });
  }
}
async function csvSink(path, columns, ctx) {
  const csv = await CsvWriter.open(path, columns);
  const plan = rowPlan(columns, ctx);
  return {
    // `page.items` is read only when needed: reading it makes the items of a scanned page.
    writePage: (page) => {
      const rows = page.rows;
      return plan !== void 0 && rows?.bytes !== void 0 ? csv.writeBytes((scratch) => csvRecords(rows, plan, scratch)) : csv.writeEach(page.items, (item) => rowValues(columns, item, ctx));
    },
    close: () => csv.close(),
    abort: () => csv.abort()
  };
}
async function jsonSink(path, header) {
  const json = await JsonReportWriter.open(path, header);
  return {
    writePage: (page) => {
      if (page.rows !== void 0) return json.writeRows(page.rows);
      const { canonical } = page;
      return canonical === void 0 ? json.writeMany(page.items) : json.writeCanonical(canonical, page.items.length);
    },
    close: () => json.close(),
    abort: () => json.abort()
  };
}
async function closeSinks(sinks, fetched) {
  const written = [];
  while (sinks.length > 0) {
    const { rel, sink } = sinks[0];
    const result = await sink.close();
    sinks.shift();
    if (result.changed) fetched.changed = true;
    written.push(rel);
  }
  return written;
}
async function fetchBaseline(run, endpoint, fetched) {
  const { inputs, deps } = run;
  const first = inputs.months[0];
  if (!inputs.comparePrevious || fetched.fatal || !first || fetched.reported.length === 0) return void 0;
  const before = windowOf(previousMonth(first.month), new Date(deps.clock.now()));
  try {
    const previous = new MonthTotals(before.month);
    await endpoint.fetchMonth(usageRequest(inputs, before), (page) => {
      previous.addPage(page);
    });
    return previous.result(inputs.currency);
  } catch (err) {
    run.warn(
      `could not fetch ${before.month} for the change column (${oneLine(err)}); the first month shows no change`
    );
    return void 0;
  }
}
function monthFigures(run, fetched) {
  const currencies = /* @__PURE__ */ new Set();
  for (const { totals } of fetched.reported)
    if (totals.detectedCurrency) currencies.add(totals.detectedCurrency);
  const runCurrency = run.inputs.currency ?? [...currencies][0];
  const figures = fetched.reported.map(({ totals, window, outlook }) => {
    const result = totals.result(runCurrency);
    if (result.currencies.length > 1)
      run.warn(
        `month ${window.month} mixes currencies (${result.currencies.join(", ")}); its total adds them up as they are`
      );
    return { ...result, partial: window.partial, ...hasOutlook(outlook) ? { outlook } : {} };
  });
  let { baseline } = fetched;
  if (baseline && baseline.currency === UNKNOWN_CURRENCY && runCurrency)
    baseline = { ...baseline, currency: runCurrency };
  return { figures, baseline };
}
function hasOutlook(outlook) {
  return outlook.forecast !== void 0 || outlook.unsettledFrom !== void 0;
}
function checkBudget(run, figures) {
  const { budget, budgetOn } = run.inputs;
  if (!budget) return [];
  const overBudget = [];
  for (const m of figures) {
    const { amount, forecast } = budgetedTotal(m, budgetOn);
    if (compare(amount, budget) > 0) {
      const what = forecast ? "forecast month-end total" : "total";
      const text = `${m.month} ${what} ${formatFixed(amount, 2)} ${m.currency} is over the budget of ${formatExact(budget)}`;
      overBudget.push(text);
      run.warn(`budget: ${text}`);
    }
  }
  return overBudget;
}
async function commitFiles(run, files, figures) {
  const { inputs, deps } = run;
  if (!inputs.commit || files.length === 0) return {};
  return deps.log.group("Commit the reports", async () => {
    try {
      const sha = await deps.commit({
        cwd: deps.root,
        paths: files,
        message: inputs.commitMessage.replace(/\{months\}/g, monthsLabel(figures.map((m) => m.month))) + commitNote(figures),
        branch: inputs.commitBranch,
        log: run.info
      });
      run.info(sha ? `committed and pushed ${sha}` : "reports unchanged: no commit");
      return { sha };
    } catch (err) {
      const error = oneLine(err);
      run.warn(`commit failed: ${error}`);
      return { error };
    }
  });
}
function thresholdsOf(inputs) {
  return { percent: inputs.anomalyPercent, amount: inputs.anomalyAmount };
}
function setOutputs(run, fetched, insight, commit) {
  const { deps, inputs } = run;
  const { figures, anomalies } = insight;
  const last = figures[figures.length - 1];
  deps.setOutput(OUTPUTS.files, JSON.stringify(fetched.files));
  deps.setOutput(OUTPUTS.months, JSON.stringify(figures.map((m) => m.month)));
  deps.setOutput(OUTPUTS.total, last ? formatExact(last.total) : "");
  deps.setOutput(OUTPUTS.currency, last ? last.currency : "");
  deps.setOutput(OUTPUTS.changed, String(fetched.changed));
  deps.setOutput(OUTPUTS.commitSha, commit.sha ?? "");
  deps.setOutput(OUTPUTS.anomalies, anomaliesOutput(anomalies, thresholdsOf(inputs), last?.currency ?? ""));
  deps.setOutput(OUTPUTS.forecast, forecastOutput(figures));
}
async function writeSummary(run, fetched, { figures, baseline, anomalies }, commit) {
  const { inputs, deps } = run;
  if (!inputs.summary) return void 0;
  let markdown;
  try {
    markdown = buildSummary({
      months: figures,
      baseline,
      failed: fetched.failed,
      budget: inputs.budget ? { amount: inputs.budget, action: inputs.budgetAction } : void 0,
      budgetOn: inputs.budgetOn,
      settleDays: inputs.settleDays,
      granularity: inputs.granularity,
      queryType: inputs.queryType,
      files: fetched.files,
      tag: inputs.groupByTag ? `${inputs.groupByTag.namespace}.${inputs.groupByTag.key}` : void 0,
      anomalies: { items: anomalies, thresholds: thresholdsOf(inputs) }
    });
    if (commit.error) markdown += `
**Commit failed:** the reports were written but not pushed.
`;
    await deps.writeSummary?.(markdown);
  } catch (err) {
    run.warn(`could not write the job summary: ${oneLine(err)}`);
  }
  return markdown;
}
function failIfProblems(inputs, failed, commit, overBudget) {
  const problems = [];
  if (failed.length > 0) {
    problems.push(
      `${failed.length} of ${inputs.months.length} month(s) failed: ${failed.map((f) => `${f.month} (${f.reason})`).join("; ")}`
    );
  }
  if (commit.error) problems.push(`commit failed: ${commit.error}`);
  if (overBudget.length > 0 && inputs.budgetAction === "fail")
    problems.push(`over budget: ${overBudget.join("; ")}`);
  if (problems.length > 0) throw new UserFacingError(problems.join("; "));
}
function actionNow(env = process.env) {
  const fixed = env.USAGE_API_ACTION_TEST_NOW;
  if (!fixed) return Date.now;
  const at = Date.parse(fixed);
  if (!Number.isFinite(at))
    throw new UserFacingError(
      `USAGE_API_ACTION_TEST_NOW '${oneLine(fixed).slice(0, 40)}' is not an ISO time such as 2025-05-20T10:00:00Z; unset it`
    );
  const offset = at - Date.now();
  return () => Date.now() + offset;
}
function createActionDeps(mask, root = process.env.GITHUB_WORKSPACE || process.cwd()) {
  return {
    root,
    clock: { now: actionNow(), sleep: realSleep, random: Math.random },
    log: runnerLog,
    // The token client derives the forms of what it masks; each is registered once across the run.
    setSecret: (value) => mask.exact(value),
    setOutput: (name, value) => setOutput(name, value),
    writeSummary: async (markdown) => {
      if (!process.env.GITHUB_STEP_SUMMARY) return;
      await summary.addRaw(markdown, true).write();
    },
    createTokenClient: ({ auth, ...options }) => auth.kind === "github-oidc" ? new GithubTokenSource({
      audience: auth.audience,
      clock: options.clock,
      setSecret: options.setSecret,
      log: options.log
    }) : new TokenClient({ ...options, ...auth }),
    // One page ahead: the endpoint works on the next page while this one is written.
    createEndpointClient: (options) => new EndpointClient({ ...options, prefetch: true }),
    commit: commitReports
  };
}
export {
  actionNow,
  createActionDeps,
  fileBase,
  runReport
};
