package dev.etlkit.operators.cdc;

import static dev.etlkit.operators.cdc.ConnectRecords.with;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.RawRecord;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.operators.cdc.DebeziumAvroTest.Twin;
import dev.etlkit.operators.normalize.ChangeSequence;
import dev.etlkit.operators.normalize.Normalize;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.annotation.Nullable;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.accumulators.IntMaximum;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.Partitioner;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Debezium Avro (Confluent wire format) through decode and normalize in a running job (local
 * MiniCluster, parallelism 2, generic types disabled, a fixed-delay restart strategy as in
 * production): one record in ten has corrupted bytes (a flipped bit, cut short, a wrong magic byte,
 * an unknown schema id). The job runs without a restart, each corrupted record is exactly one dead
 * letter with its reason, and the output is what the same pipeline makes of the JSON twins of the
 * uncorrupted records.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DebeziumAvroITCase {

  private static final int RECORDS = 400;

  /** The corruptions, cycled through, with the start of the dead letter's message. */
  private static final List<String> CORRUPTIONS =
      List.of("flipped", "truncated", "wrong-magic", "unknown-schema");

  private static final Map<String, String> REASONS =
      Map.of(
          "flipped", "value: cannot decode the Avro record (writer schema id 1)",
          "truncated", "value: truncated Avro data",
          "wrong-magic", "value: not the Confluent wire format: magic byte is 0x01",
          "unknown-schema", "value: unknown writer schema id 99");

  private static final int KEYS = 80;

  /**
   * Record {@code i}: change {@code i / KEYS} of row {@code i % KEYS}, at LSN {@code 10_000 + i}.
   * Each row is inserted (or read in the snapshot), updated with and without a before-image, and
   * deleted or updated again, then inserted once more.
   */
  private static Twin event(int i) {
    int id = i % KEYS;
    int step = i / KEYS;
    Map<String, Object> previous = with(DebeziumAvroTest.pgRow(id), "note", "v" + (step - 1));
    Map<String, Object> row = with(DebeziumAvroTest.pgRow(id), "note", "v" + step);
    if (id % 3 == 0) {
      row = with(row, "price", null, "data", null);
    }
    String op;
    Map<String, Object> before = null;
    switch (step) {
      case 0 -> op = id % 2 == 0 ? "c" : "r";
      case 1 -> {
        op = "u";
        before = previous;
      }
      case 2 -> op = "u"; // REPLICA IDENTITY DEFAULT: no before-image
      case 3 -> {
        op = id % 3 == 0 ? "d" : "u";
        before = previous;
      }
      default -> op = "c";
    }
    Map<String, Object> source = DebeziumAvroTest.pgSource(1_000L + i, 10_000L + i, "false");
    Map<String, Object> event =
        DebeziumAvroTest.event(op, before, op.equals("d") ? null : row, source, 2_000L + i);
    return DebeziumAvroTest.change(DebeziumAvroTest.POSTGRES, op + " " + id, id, event);
  }

  private static byte[] corrupt(byte[] value, String how) {
    byte[] bad = value.clone();
    switch (how) {
      case "flipped" -> bad[5] ^= 0x04; // the before union's branch: 0 or 1 becomes 2 or 3
      case "truncated" -> bad = Arrays.copyOf(value, value.length - 7);
      case "wrong-magic" -> bad[0] = 1;
      case "unknown-schema" -> bad[4] = 99;
      default -> throw new IllegalArgumentException(how);
    }
    return bad;
  }

  private static EtlStream<Change<TypedRow>> pipeline(
      DataStream<RawRecord> records, String name, @Nullable DebeziumAvroTest.Connector avro) {
    Debezium.DecodeStep<RawRecord, TypedRow> decode = Debezium.decode("decode", TypedRow.class);
    // as Kafka partitions by key: the changes of a row reach the decoder in their order
    DataStream<RawRecord> partitioned = records.partitionCustom(new ByKey(), new KafkaKey());
    return Etl.from(partitioned, name)
        .apply(avro == null ? decode : decode.withAvro(avro.schemas()))
        .apply(
            Normalize.upserts("normalize", TypedRow::id, Types.INT)
                .withSequence(ChangeSequence.sourcePosition())
                // TypedRow holds a byte[]: its equals is no value equality, so keep the key
                // and compare hashes of the serialized rows
                .withProjectedState(TypedRow::id, Types.INT, DebeziumAvroITCase::keyOnly));
  }

  private static TypedRow keyOnly(int id) {
    return new TypedRow(id, null, null, null, null, null, null, null, null, null);
  }

  @Test
  void corruptedAvroRecords_becomeExactlyTheDeadLetters_withoutARestart() throws Exception {
    List<RawRecord> avroInput = new ArrayList<>();
    List<RawRecord> jsonOfTheGoodOnes = new ArrayList<>();
    Map<String, String> injected = new HashMap<>(); // source position -> reason
    for (int i = 0; i < RECORDS; i++) {
      Twin twin = event(i);
      if (i % 10 == 3) {
        String how = CORRUPTIONS.get((i / 10) % CORRUPTIONS.size());
        RawRecord good = twin.avro(i);
        avroInput.add(
            new RawRecord(good.key(), corrupt(good.value(), how), good.source(), good.timestamp()));
        injected.put(good.source(), REASONS.get(how));
      } else {
        avroInput.add(twin.avro(i));
        jsonOfTheGoodOnes.add(twin.json(i));
      }
    }

    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(2);

    EtlStream<Change<TypedRow>> fromAvro =
        pipeline(
            env.fromData(avroInput, RawRecord.TYPE_INFO), "avro-cdc", DebeziumAvroTest.POSTGRES);
    EtlStream<Change<TypedRow>> fromJson =
        pipeline(env.fromData(jsonOfTheGoodOnes, RawRecord.TYPE_INFO), "json-cdc", null);
    CloseableIterator<Change<TypedRow>> avroChanges =
        fromAvro.toDataStream().map(new AttemptProbe()).returns(fromAvro.type()).collectAsync();
    CloseableIterator<DeadLetter> avroLetters = fromAvro.deadLetters().collectAsync();
    CloseableIterator<Change<TypedRow>> jsonChanges = fromJson.toDataStream().collectAsync();
    CloseableIterator<DeadLetter> jsonLetters = fromJson.deadLetters().collectAsync();
    JobExecutionResult result = env.execute("debezium-avro-it");
    List<Change<TypedRow>> output = drain(avroChanges);
    List<DeadLetter> letters = drain(avroLetters);
    List<Change<TypedRow>> reference = drain(jsonChanges);

    assertThat((Integer) result.getAccumulatorResult(AttemptProbe.ACCUMULATOR))
        .as("highest task attempt: 0 means no restart")
        .isZero();
    assertThat(drain(jsonLetters)).isEmpty();
    assertThat(reference)
        .extracting(Change::kind)
        .contains(RowKind.INSERT, RowKind.UPDATE_BEFORE, RowKind.UPDATE_AFTER, RowKind.DELETE);
    assertThat(output)
        .extracting(DebeziumAvroITCase::show)
        .containsExactlyInAnyOrderElementsOf(
            reference.stream().map(DebeziumAvroITCase::show).toList());

    assertThat(injected).hasSize(RECORDS / 10);
    assertThat(letters).hasSize(injected.size());
    Map<String, String> reasons = new HashMap<>();
    for (DeadLetter letter : letters) {
      String expected = injected.get(letter.sourcePosition());
      assertThat(letter.errorMessage()).as(letter.sourcePosition()).startsWith(expected);
      reasons.put(letter.sourcePosition(), expected);
    }
    assertThat(reasons).isEqualTo(injected);

    RecordAccounting accounting = RecordAccounting.of(result);
    RecordAccounting.StepCounts decode = accounting.step("avro-cdc", "decode");
    assertThat(decode.in()).isEqualTo(RECORDS);
    assertThat(decode.deadLettered()).isEqualTo(injected.size());
    RecordAccounting.StepCounts decodeJson = accounting.step("json-cdc", "decode");
    assertThat(decode.out()).isEqualTo(decodeJson.out());
    assertThat(decode.filtered()).isEqualTo(decodeJson.filtered());
    RecordAccounting.StepCounts normalize = accounting.step("avro-cdc", "normalize");
    RecordAccounting.StepCounts normalizeJson = accounting.step("json-cdc", "normalize");
    assertThat(normalize.in()).isEqualTo(normalizeJson.in());
    assertThat(normalize.out()).isEqualTo(normalizeJson.out());
    assertThat(normalize.filtered()).isEqualTo(normalizeJson.filtered());
    assertThat(normalize.deadLettered()).isZero();
    assertThat(accounting.isBalanced()).isTrue();
  }

  /**
   * Passes changes on and reports the highest execution attempt of its subtasks: 0 unless a task
   * failed and Flink restarted the job (its one region: the normalize step's shuffle joins all).
   */
  static final class AttemptProbe extends RichMapFunction<Change<TypedRow>, Change<TypedRow>> {
    static final String ACCUMULATOR = "debezium-avro-it/max-attempt";

    @Override
    public void open(OpenContext openContext) {
      IntMaximum attempts = new IntMaximum();
      attempts.add(getRuntimeContext().getTaskInfo().getAttemptNumber());
      getRuntimeContext().addAccumulator(ACCUMULATOR, attempts);
    }

    @Override
    public Change<TypedRow> map(Change<TypedRow> value) {
      return value;
    }
  }

  /** A change, its row's bytes by value (a record's equals compares arrays by identity). */
  private static String show(Change<TypedRow> change) {
    TypedRow r = change.value();
    return String.join(
        " ",
        change.kind().shortString(),
        change.eventTime() + "/" + change.sourcePosition(),
        String.valueOf(r.id()),
        String.valueOf(r.big()),
        String.valueOf(r.price()),
        String.valueOf(r.createdAt()),
        String.valueOf(r.updatedAt()),
        String.valueOf(r.birthDate()),
        String.valueOf(r.note()),
        String.valueOf(r.active()),
        Arrays.toString(r.data()),
        String.valueOf(r.ratio()));
  }

  static final class KafkaKey implements KeySelector<RawRecord, Integer> {
    @Override
    public Integer getKey(RawRecord record) {
      return Arrays.hashCode(record.key());
    }
  }

  static final class ByKey implements Partitioner<Integer> {
    @Override
    public int partition(Integer key, int partitions) {
      return Math.floorMod(key, partitions);
    }
  }

  private static <T> List<T> drain(CloseableIterator<T> iterator) throws Exception {
    List<T> result = new ArrayList<>();
    try (iterator) {
      iterator.forEachRemaining(result::add);
    }
    return result;
  }
}
