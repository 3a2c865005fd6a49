// Why: the classic Spark Streaming demo: count the words typed into `nc -lk 9999`, per 1 s batch.
//   terminal 1: nc -lk 9999
//   terminal 2: node bin/eddy stream run examples/network-wordcount.mjs
// (NC_HOST / NC_PORT change where it connects.)
export const config = { name: 'network-wordcount', batchInterval: '1s' };

export default function networkWordCount(ssc) {
  const lines = ssc.socketTextStream(process.env.NC_HOST ?? 'localhost', Number(process.env.NC_PORT ?? 9999));
  const words = lines.flatMap((line) => line.split(' ')).filter((w) => w.length > 0);
  words
    .map((w) => [w, 1])
    .reduceByKey((a, b) => a + b)
    .print();
}
