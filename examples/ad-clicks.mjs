// Why: ad clicks per province in the last 20 minutes, sliding every 10 seconds (an incremental
// window: each slide adds the new batches and subtracts the ones leaving), plus running totals per
// ad with mapWithState, dropping ads idle for 2 minutes.
//   node bin/eddy stream run examples/ad-clicks.mjs                (starts eddy-server on 6379)
//   node bin/eddy gen clicks --rate 500 --partitions 4             (another terminal)
//   redis-cli hgetall adclicks:province:last20m                    (the current window)
//   redis-cli hgetall adclicks:province:$(redis-cli get adclicks:province:latest)   (same, by window end time)
//   redis-cli zrevrange adclicks:ads 0 9 withscores                (busiest active ads)
import { Minutes, Seconds, StateSpec } from 'eddy';

export const config = { name: 'ad-clicks', batchInterval: '1s' };

export default function adClicks(ssc) {
  const clicks = ssc.redisStream('clicks', { partitions: Number(process.env.PARTITIONS ?? 4), maxRatePerPartition: 50_000 });

  const window = clicks
    .map((c) => [c.fields.province, 1])
    .reduceByKeyAndWindow(
      (a, b) => a + b,
      (a, b) => a - b,
      Minutes(Number(process.env.WINDOW_MINUTES ?? 20)),
      Seconds(10),
      4,
      ([, n]) => n > 0,
    );
  window.saveToHash('adclicks:province:last20m'); // changed provinces only; provinces dropping to 0 are removed
  window.saveWindows('adclicks:province', { ttl: 3600 }); // one hash per window end time
  window.print(12);

  const perAd = clicks.map((c) => [c.fields.ad, 1]).mapWithState(
    StateSpec.function((ad, one, state) => {
      if (state.isTimingOut()) return [ad, 'idle'];
      const total = (state.getOption() ?? 0) + one;
      state.update(total);
      return undefined;
    }).timeout(Minutes(Number(process.env.IDLE_MINUTES ?? 2))),
  );
  perAd.foreachRDD((rdd, time) => {
    const idle = rdd.collect();
    if (idle.length > 0) console.log(`${time}: idle ads dropped: ${idle.map(([ad]) => ad).join(' ')}`);
  });
  perAd.stateSnapshots().saveToSortedSet('adclicks:ads'); // running totals of active ads (idle ones removed)
}
