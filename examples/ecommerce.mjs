// Why: real-time metrics of a shop: page views in the last minute, orders per region and category
// in the last 10 minutes, cumulative sales per category, and active visitors (distinct users seen
// in the last 5 minutes), all refreshed every 5 seconds in eddy.
//   node bin/eddy stream run examples/ecommerce.mjs                (starts eddy-server on 6379)
//   node bin/eddy gen views --rate 1000 --partitions 2 &
//   node bin/eddy gen orders --rate 50 --partitions 2
//   redis-cli hgetall shop:metrics          (pageviews_1m, active_visitors_5m)
//   redis-cli hgetall shop:orders:10m       (region/category -> orders)
//   redis-cli hgetall shop:sales:cents      (category -> cumulative sales in cents)
import { Minutes, Seconds } from 'eddy';

export const config = { name: 'ecommerce', batchInterval: '1s' };

export default function ecommerce(ssc) {
  const partitions = Number(process.env.PARTITIONS ?? 2);
  const views = ssc.redisStream('views', { partitions, maxRatePerPartition: 50_000 });
  const orders = ssc.redisStream('orders', { partitions, maxRatePerPartition: 50_000 });
  const slide = Seconds(5);

  views
    .countByWindow(Minutes(1), slide)
    .map((n) => ['pageviews_1m', n])
    .saveToHash('shop:metrics');

  views
    .map((v) => v.fields.user)
    .countByValueAndWindow(Minutes(5), slide)
    .count()
    .map((n) => ['active_visitors_5m', n])
    .saveToHash('shop:metrics');

  orders
    .map((o) => [`${o.fields.region}/${o.fields.category}`, 1])
    .reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, Minutes(10), slide, 4, ([, n]) => n > 0)
    .saveToHash('shop:orders:10m');

  orders
    .map((o) => [o.fields.category, Math.round(Number(o.fields.amount) * 100)])
    .reduceByKey((a, b) => a + b)
    .saveToHash('shop:sales:cents', { mode: 'increment' });

  orders.count().print();
}
