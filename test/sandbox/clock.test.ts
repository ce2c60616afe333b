/** @jest-environment node */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { persistedClock, SandboxClock } from '../../sandbox/clock';

describe('SandboxClock', () => {
  test('freeze, advance and set move time; timers fire in order as time reaches them', () => {
    const clock = new SandboxClock();
    clock.freeze(1_000_000);
    const fired: string[] = [];
    clock.at(1_000_500, () => fired.push('b'));
    clock.at(1_000_100, () => fired.push('a'));
    clock.after(10_000, () => fired.push('c'));
    clock.advance(499);
    expect(fired).toEqual(['a']);
    clock.advance(1);
    expect(fired).toEqual(['a', 'b']);
    clock.set(1_010_000);
    expect(fired).toEqual(['a', 'b', 'c']);
    expect(clock.now()).toBe(1_010_000);
    expect(clock.pending()).toBe(0);
    clock.stop();
  });

  test('a cancelled timer does not fire; moving back tells listeners and keeps timers', () => {
    const clock = new SandboxClock();
    clock.freeze(5_000);
    const fired: number[] = [];
    const id = clock.at(6_000, () => fired.push(1));
    clock.at(7_000, () => fired.push(2));
    clock.cancel(id);
    let movedBack = 0;
    clock.onMovedBack(() => movedBack++);
    clock.set(1_000);
    expect(movedBack).toBe(1);
    clock.advance(10_000);
    expect(fired).toEqual([2]);
    expect(movedBack).toBe(1);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    clock.stop();
  });

  test('resume keeps the reading and lets time run', async () => {
    const clock = new SandboxClock();
    clock.freeze(42_000);
    const resumedBy = Date.now();
    clock.resume();
    expect(clock.state().frozen).toBe(false);
    await new Promise((r) => setTimeout(r, 20));
    const reading = clock.now();
    // It ran as long as real time did since the resume, however long a loaded machine took.
    expect(reading).toBeGreaterThanOrEqual(42_015);
    expect(reading - 42_000).toBeLessThanOrEqual(Date.now() - resumedBy);
    clock.stop();
  });

  test('reset is real time, running, with no offset; timers that fell due on the way fire', () => {
    const clock = new SandboxClock();
    const fired: number[] = [];
    clock.freeze(1_000);
    clock.at(2_000, () => fired.push(2));
    clock.reset();
    expect(clock.state()).toEqual(expect.objectContaining({ frozen: false, offsetMs: 0 }));
    expect(fired).toEqual([2]);
    clock.stop();
  });

  test('persistedClock keeps the frozen instant or the running offset in its file', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-clock-')), 'clock.json');
    const first = persistedClock(file);
    expect(first.state()).toEqual(expect.objectContaining({ frozen: false, offsetMs: 0 }));
    expect(fs.existsSync(file)).toBe(false);
    first.freeze(1_000_000);
    first.advance(500);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ frozenAt: 1_000_500, offsetMs: 0 });
    expect(persistedClock(file).state()).toEqual({ now: 1_000_500, frozen: true, offsetMs: 0 });

    const resumedBy = Date.now();
    first.resume();
    const running = persistedClock(file);
    expect(running.state().frozen).toBe(false);
    expect(running.now() - 1_000_500).toBeLessThanOrEqual(Date.now() - resumedBy);
    first.stop();
    running.stop();
  });

  test('an unreadable clock file means real time, with a warning', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-clock-')), 'clock.json');
    fs.writeFileSync(file, '{"frozenAt":"soon","offsetMs":0}');
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const clock = persistedClock(file);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('frozenAt must be null or a time in ms'));
    warn.mockRestore();
    expect(clock.state()).toEqual(expect.objectContaining({ frozen: false, offsetMs: 0 }));
  });
});
