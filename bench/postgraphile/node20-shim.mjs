// PostGraphile 5.1 declares Node >= 22; the only newer feature its runtime packages call
// is Promise.withResolvers (Node 22). This machine has Node 20, so it gets the standard
// definition (TC39 proposal text). Imported first by server.mjs; a no-op on Node >= 22.
if (typeof Promise.withResolvers !== "function") {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
