/** Waits `ms` milliseconds (within one invocation, well under the Lambda time-out). */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
