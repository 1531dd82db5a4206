// The capture reader: pcap, pcapng, gzip around either. See reader.ts.
export * from './types';
export { readCapture, CaptureFeed, CaptureReader, MAX_LISTED_ERRORS, type ReadOptions } from './reader';
export { PCAP_MAX_RECORD, PCAP_HARD_MAX } from './pcap';
export { PCAPNG_MAX_BLOCK } from './pcapng';
export { isCaptureSet, readCaptureSet, readCaptureSource, type CaptureSetFile, type CaptureSetInfo, type CaptureSetMember, type CaptureSource, type ReadSetOptions, type SetRecord } from './set';
