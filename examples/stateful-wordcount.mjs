// Why: running word totals kept in eddy across restarts (kill it and run it again: the totals go
// on from the last committed batch, each sentence counted exactly once).
//   node bin/eddy stream run examples/stateful-wordcount.mjs       (starts eddy-server on 6379)
//   node bin/eddy gen sentences --rate 2000 --partitions 4         (another terminal)
//   redis-cli zrevrange wordcount:top 0 9 withscores               (top words)
//   redis-cli hget wordcount:totals <word>
export const config = { name: 'stateful-wordcount', batchInterval: '1s' };

export default function statefulWordCount(ssc) {
  const sentences = ssc.redisStream('sentences', { partitions: Number(process.env.PARTITIONS ?? 4), maxRatePerPartition: 100_000 });
  const counts = sentences
    .flatMap((r) => r.fields.line.split(' '))
    .map((w) => [w, 1])
    .reduceByKey((a, b) => a + b);
  // Only the words of this batch are visited and written: O(changed keys) per batch.
  const totals = counts.updateStateByKey((values, total) => (total ?? 0) + values.reduce((a, b) => a + b, 0));
  totals.saveToHash('wordcount:totals');
  totals.saveToSortedSet('wordcount:top');
  counts.foreachRDD((rdd, time) => {
    const top = rdd.top(5, (a, b) => a[1] - b[1]);
    if (top.length > 0) console.log(`${time}: ${rdd.count()} distinct words, busiest: ${top.map(([w, n]) => `${w}=${n}`).join(' ')}`);
  });
}
