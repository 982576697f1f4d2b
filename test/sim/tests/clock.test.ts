// The CloudHSM v2 simulator's the virtual clock (clock.ts), through the real SDK client over HTTP.

import { VirtualClock } from '..';
import {

} from './cloudhsm-setup';

describe('virtual clock', () => {
  test('fires timers in due order, at their due time, including timers they schedule', () => {
    const clock = new VirtualClock(1000);
    const log: string[] = [];
    clock.schedule(300, 'c', () => log.push(`c@${clock.now()}`));
    clock.schedule(100, 'a', () => {
      log.push(`a@${clock.now()}`);
      clock.schedule(50, 'b', () => log.push(`b@${clock.now()}`));
    });
    const cancelled = clock.schedule(200, 'x', () => log.push('x'));
    clock.cancel(cancelled);
    expect(clock.advance(99)).toBe(0);
    expect(clock.advance(1000)).toBe(3);
    expect(log).toEqual(['a@1100', 'b@1150', 'c@1300']);
    expect(clock.now()).toBe(2099);
    expect(() => clock.advance(-1)).toThrow();
  });
});
