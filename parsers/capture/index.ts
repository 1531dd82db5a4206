// The capture reader: pcap, pcapng, gzip around either. See reader.ts.
export * from './types';
export { readCapture, CaptureReader, MAX_LISTED_ERRORS, type ReadOptions } from './reader';
export { PCAP_MAX_RECORD, PCAP_HARD_MAX } from './pcap';
export { PCAPNG_MAX_BLOCK } from './pcapng';
