package dev.etlkit.benchmarks.format;

import dev.etlkit.benchmarks.BenchmarkSettings;
import dev.etlkit.benchmarks.HarnessBenchmarkBase;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Format conversion, JSON ↔ Avro binary, per document: etlkit's JSON and Avro steps beside Flink's
 * own {@code flink-json}/{@code flink-avro} row formats and the least work the conversion needs.
 *
 * <ul>
 *   <li>{@code impl}: {@link FormatImpl} — {@code ETLKIT} and {@code ETLKIT_GENERIC} ({@link
 *       EtlkitConverters}: through the typed record or a {@code GenericRecord}), {@code FLINK_SQL}
 *       ({@link FlinkSqlConverters}: JSON ↔ {@code RowData} ↔ Avro), {@code LIMIT} ({@link
 *       LimitJsonToAvro}, {@link LimitAvroToJson}: Jackson streaming ↔ Avro encoder/decoder, value
 *       slots, reused buffers).
 *   <li>{@code direction}: {@link Direction} — {@code JSON_TO_AVRO} or {@code AVRO_TO_JSON}.
 *   <li>{@code shape}: {@link Shape} — {@code FLAT_10} ({@link Order}), {@code FLAT_50} ({@link
 *       WideEvent}), {@code NESTED_10} ({@link NestedOrder}), {@code DECIMAL_10} ({@link
 *       LedgerEntry}: decimals).
 * </ul>
 *
 * <p>Every impl converts the same {@link #DOCUMENTS} documents ({@link Documents}, drawn once per
 * trial with {@link HarnessBenchmarkBase#SEED}) with the same Avro schema ({@link
 * Shape#avroSchema()}), and produces the same Avro bytes and the same JSON values ({@code
 * FormatConversionBenchmarkTest} checks it). Each invocation converts {@link #BATCH} documents read
 * with a wrapping cursor, so scores are documents per second and {@code -prof gc}'s {@code
 * gc.alloc.rate.norm} is bytes allocated per document. Only the conversion is measured: the input
 * bytes exist already (as a source would hand them over), the output is consumed by a {@link
 * Blackhole}; there is no Flink operator around it for any impl (see {@code docs/benchmarks.md}).
 *
 * <p>The JMH settings and JVM flags come from {@link BenchmarkSettings}, as for every benchmark;
 * this one has no keyed state, so it does not run in the harness.
 */
public class FormatConversionBenchmark extends BenchmarkSettings {

  /** Documents per invocation: the value of {@code @OperationsPerInvocation}. */
  public static final int BATCH = HarnessBenchmarkBase.BATCH;

  /**
   * Distinct documents per trial, a power of two: 8192 documents are 1.7–8.8 MB of JSON or 0.4–2.8
   * MB of Avro depending on the shape, more than a core's L2 cache holds, so inputs are read from
   * memory or the shared L3 cache as records arriving from the network would be.
   */
  public static final int DOCUMENTS = 1 << 13;

  @Param({"ETLKIT", "ETLKIT_GENERIC", "FLINK_SQL", "LIMIT"})
  public FormatImpl impl;

  @Param({"JSON_TO_AVRO", "AVRO_TO_JSON"})
  public Direction direction;

  @Param({"FLAT_10", "FLAT_50", "NESTED_10", "DECIMAL_10"})
  public Shape shape;

  /** Documents per trial: {@link #DOCUMENTS}, fewer in tests. */
  int documentCount = DOCUMENTS;

  private Documents documents;
  private Converter converter;
  private byte[][] inputs;
  private int cursor;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    if (Integer.bitCount(documentCount) != 1) {
      throw new IllegalStateException("documentCount must be a power of two, was " + documentCount);
    }
    documents = Documents.generate(shape, documentCount, HarnessBenchmarkBase.SEED);
    inputs = documents.inputs(direction);
    converter = impl.create(shape, direction);
    cursor = 0;
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void convert(Blackhole blackhole) throws Exception {
    Converter c = converter;
    byte[][] in = inputs;
    int mask = in.length - 1;
    int next = cursor;
    for (int i = 0; i < BATCH; i++) {
      blackhole.consume(c.convert(in[next]));
      next = (next + 1) & mask;
    }
    cursor = next;
  }

  /** The documents of this trial (for tests). */
  Documents documents() {
    return documents;
  }

  /** The converter of this trial (for tests). */
  Converter converter() {
    return converter;
  }
}
