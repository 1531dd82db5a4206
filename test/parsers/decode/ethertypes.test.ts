// EtherType names for what the decoder leaves undecoded (issue 15: ARP showed as
// "EtherType 0x0806"): the summary's titles of capture.unsupported, on the sample capture
// (its ARP frames) and on the entries as the JSON writes them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../../analysis/analyze';
import { CaptureQuery } from '../../../analysis/capture-query';
import { etherTypeName, unsupportedTitle } from '../../../parsers/decode/index';

describe('EtherType names', () => {
  it('names ARP, LLDP and the rest of the table; leaves unknown ones and link types as they are', () => {
    expect(etherTypeName(0x0806)).toBe('ARP');
    expect(unsupportedTitle('EtherType 0x0806')).toBe('ARP (EtherType 0x0806)');
    expect(unsupportedTitle('EtherType 0x88cc')).toBe('LLDP (EtherType 0x88cc)');
    expect(unsupportedTitle('EtherType 0x1234')).toBe('EtherType 0x1234');
    expect(unsupportedTitle('link type 147')).toBe('link type 147');
  });

  it("titles the sample capture's undecoded ARP frames in the summary, the JSON unchanged", async () => {
    const q = new CaptureQuery(await analyzeCapture(readFileSync(join(__dirname, '../../../fixtures/sample.pcapng'))));
    const s = q.summary();
    const i = s.capture.unsupported.findIndex((u) => u.what === 'EtherType 0x0806');
    expect(i).toBeGreaterThanOrEqual(0);
    expect(s.unsupportedTitles[i]).toBe('ARP (EtherType 0x0806)');
    expect(q.exportJson().capture.unsupported[i].what).toBe('EtherType 0x0806');
  });
});
