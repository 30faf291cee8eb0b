/** Waiting for a condition on a running demo process (real time: the process is another program). */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `probe` until `done` holds; fails the test after `seconds`. Returns the last value and the time. */
export const until = async <A>(
  probe: () => Promise<A>,
  done: (a: A) => boolean,
  seconds: number
): Promise<{ readonly value: A; readonly ms: number }> => {
  const started = performance.now()
  let value = await probe()
  while (!done(value)) {
    if (performance.now() - started > seconds * 1000)
      throw new Error(`not reached in ${seconds} s; last: ${JSON.stringify(value)}`)
    await sleep(20)
    value = await probe()
  }
  return { value, ms: performance.now() - started }
}
