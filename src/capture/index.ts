// pask's tcpdump: pcap files, the tcpdump 4.99 compatible printer, the
// pcap-filter compiler and the command-line parser.

export {
  parsePcap, readPcapFile, encodePcap, encodeRecord, PcapWriter, PcapError,
  LINKTYPE_ETHERNET, PCAP_DEFAULT_SNAPLEN, type PcapFile, type PcapRecord,
} from './pcap.js';
export { TcpdumpPrinter, MAXIMUM_SNAPLEN, type PacketRecord, type PrintOptions } from './print/printer.js';
export { DEFAULT_PRINT_OPTIONS } from './print/context.js';
export { compileFilter, type FilterFn, type CompileResult, type CompileOptions, type FilterStats } from './filter/compile.js';
export { parseTcpdumpArgs, type TcpdumpArgs, type TcpdumpArgsResult } from './args.js';
