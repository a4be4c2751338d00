package dev.etlkit.operators.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.RawRecord;
import dev.etlkit.core.StepIdentity;
import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.PayloadInput;
import dev.etlkit.operators.cdc.DebeziumIndependentReference.Config;
import dev.etlkit.operators.cdc.DebeziumIndependentReference.Expected;
import dev.etlkit.operators.cdc.internal.DebeziumDecodingFunction;
import dev.etlkit.operators.cdc.internal.DecoderSettings;
import dev.etlkit.testkit.Soak;
import java.nio.charset.StandardCharsets;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import javax.annotation.Nullable;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.clusterframework.types.ResourceID;
import org.apache.flink.runtime.executiongraph.ExecutionAttemptID;
import org.apache.flink.runtime.metrics.groups.TaskManagerMetricGroup;
import org.apache.flink.runtime.metrics.groups.TaskMetricGroup;
import org.apache.flink.runtime.metrics.util.TestingMetricRegistry;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Drives the Debezium decoding step over generated records ({@link DebeziumEnvelopeGenerator}) and
 * compares every record's outcome with {@link DebeziumIndependentReference}: the changes (kind,
 * row, event time, source position), the dead letter (exactly one, error class, message prefix,
 * payload, source coordinates, timestamp), the skip counters and the record accounting.
 */
class DebeziumIndependentReferenceTest {
  private static final StepIdentity STEP = new StepIdentity("ref", "ref-cdc", "ref/ref-cdc");
  private static final int RECORDS_PER_SEED = 300;
  private static final List<String> SKIP_COUNTERS =
      List.of(
          Debezium.METRIC_HEARTBEATS,
          Debezium.METRIC_TRANSACTION_MARKERS,
          Debezium.METRIC_SCHEMA_CHANGES,
          Debezium.METRIC_TOMBSTONES_SKIPPED,
          Debezium.METRIC_TRUNCATES_SKIPPED,
          Debezium.METRIC_LOGICAL_MESSAGES,
          Debezium.METRIC_UPDATES_WITHOUT_BEFORE);
  private static final List<String> ACCOUNTING =
      List.of(
          "recordsIn", "recordsOut", "recordsFiltered", "recordsDeadLettered", "recordsEmitted");

  static List<Long> seeds() {
    return Soak.seeds(12, 1_000);
  }

  static Config config(long seed) {
    Random random = new Random(seed * 31 + 7);
    return new Config(
        seed % 4 == 0, // plain byte[] values: no keys, no tombstones
        seed % 2 == 1 ? Debezium.Tombstones.DELETE : Debezium.Tombstones.SKIP,
        seed % 3 == 0 ? Debezium.Truncates.SKIP : Debezium.Truncates.DEAD_LETTER,
        List.of(ChronoUnit.MILLIS, ChronoUnit.MICROS, ChronoUnit.NANOS).get(random.nextInt(3)),
        random.nextBoolean());
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void decode_anySeed_agreesWithTheIndependentReference(long seed) throws Exception {
    Config config = config(seed);
    DebeziumIndependentReference reference = new DebeziumIndependentReference(config);
    DebeziumEnvelopeGenerator generator = new DebeziumEnvelopeGenerator(seed);
    List<String> mismatches = new ArrayList<>();
    if (config.bytesInput()) {
      try (Driver<byte[]> driver = new Driver<>(PayloadInput.bytes(), config)) {
        for (int i = 0; i < RECORDS_PER_SEED; i++) {
          RawRecord record = generator.next();
          if (record.value() == null) {
            continue; // plain values cannot be null
          }
          check(driver, record.value(), record, reference, mismatches, i);
        }
      }
    } else {
      try (Driver<RawRecord> driver = new Driver<>(PayloadInput.rawRecords(), config)) {
        for (int i = 0; i < RECORDS_PER_SEED; i++) {
          RawRecord record = generator.next();
          check(driver, record, record, reference, mismatches, i);
        }
      }
    }
    assertThat(mismatches).as("seed %d, %s", seed, config).isEmpty();
  }

  /**
   * The comparison is only as good as what the generator reaches: every outcome, every seed set.
   */
  @Test
  void generator_defaultSeeds_reachEveryOutcome() {
    Set<String> seen = new TreeSet<>();
    for (long seed = 1; seed <= 12; seed++) {
      Config config = config(seed);
      DebeziumIndependentReference reference = new DebeziumIndependentReference(config);
      DebeziumEnvelopeGenerator generator = new DebeziumEnvelopeGenerator(seed);
      for (int i = 0; i < RECORDS_PER_SEED; i++) {
        RawRecord r = generator.next();
        if (config.bytesInput() && r.value() == null) {
          continue;
        }
        Expected e = reference.decode(r.key(), r.value(), r.timestamp());
        if (e.skipCounter() != null) {
          seen.add(e.skipCounter());
        }
        if (e.updateWithoutBefore()) {
          seen.add("+U only");
        }
        for (Change<ReferenceRow> c : e.changes()) {
          seen.add(c.kind().shortString() + (c.sourcePosition() == null ? "" : " at a position"));
          if (r.value() == null) {
            seen.add("tombstone " + c.kind().shortString());
          }
        }
        if (!e.letters().isEmpty()) {
          String prefix = e.letters().get(0).messagePrefix();
          seen.add(
              "dead letter: " + prefix.replaceAll("^(after|before|key)\\.\\w+: .*", "$1.column"));
        }
      }
    }
    assertThat(seen)
        .contains(
            "+I at a position",
            "-U at a position",
            "+U at a position",
            "-D at a position",
            "tombstone -D",
            "+U only",
            "dead letter: after.column",
            "dead letter: before.column",
            "dead letter: value: truncated JSON",
            "dead letter: value: malformed JSON",
            "dead letter: value: invalid UTF-8",
            "dead letter: value: unreadable JSON",
            "dead letter: value is empty",
            "dead letter: value must be a JSON object",
            "dead letter: missing op",
            "dead letter: op must be a string",
            "dead letter: unknown op (expected c, r, u, d, t or m)",
            "dead letter: truncate event (op 't')",
            "dead letter: record without value and without key",
            "dead letter: op 'd' without a before image needs the record key",
            "dead letter: key: malformed JSON",
            "dead letter: key must be a JSON object of key columns",
            "dead letter: before must be a JSON object or null, was number",
            "dead letter: op 'c' without an after image",
            Debezium.METRIC_HEARTBEATS,
            Debezium.METRIC_TRANSACTION_MARKERS,
            Debezium.METRIC_SCHEMA_CHANGES,
            Debezium.METRIC_TOMBSTONES_SKIPPED,
            Debezium.METRIC_TRUNCATES_SKIPPED,
            Debezium.METRIC_LOGICAL_MESSAGES);
  }

  private static <I> void check(
      Driver<I> driver,
      I input,
      RawRecord record,
      DebeziumIndependentReference reference,
      List<String> mismatches,
      int index)
      throws Exception {
    boolean bytes = !(input instanceof RawRecord);
    Expected expected = reference.decode(record.key(), record.value(), record.timestamp());
    Map<String, Long> before = driver.counts();
    Driver.Emitted actual = driver.process(input, record.timestamp());
    Map<String, Long> after = driver.counts();
    List<String> problems = new ArrayList<>();
    if (!actual.changes().equals(expected.changes())) {
      problems.add("changes " + actual.changes() + " expected " + expected.changes());
    }
    if (expected.letters().isEmpty()) {
      if (!actual.letters().isEmpty()) {
        DeadLetter l = actual.letters().get(0);
        problems.add("unexpected dead letter " + l.errorClass() + ": " + l.errorMessage());
      }
    } else if (actual.letters().size() != 1) {
      problems.add(
          actual.letters().size() + " dead letters, expected one of " + expected.letters());
    } else {
      DeadLetter l = actual.letters().get(0);
      boolean matches = false;
      for (DebeziumIndependentReference.Letter want : expected.letters()) {
        matches |=
            (want.errorClasses().isEmpty() || want.errorClasses().contains(l.errorClass()))
                && l.errorMessage() != null
                && l.errorMessage().startsWith(want.messagePrefix());
      }
      if (!matches) {
        problems.add(
            l.errorClass() + ": '" + l.errorMessage() + "', expected one of " + expected.letters());
      }
      if (!Arrays.equals(l.payloadAsBytes(), record.value())) {
        problems.add("dead letter payload differs from the value");
      }
      if (!java.util.Objects.equals(l.sourcePosition(), bytes ? null : record.source())) {
        problems.add("dead letter source " + l.sourcePosition());
      }
      // the Flink record's timestamp (the driver gives it the RawRecord's), else the RawRecord's
      if (!java.util.Objects.equals(l.eventTime(), record.timestamp())) {
        problems.add("dead letter event time " + l.eventTime() + " expected " + record.timestamp());
      }
    }
    for (String counter : SKIP_COUNTERS) {
      long delta = after.get(counter) - before.get(counter);
      long want =
          counter.equals(expected.skipCounter())
                  || (counter.equals(Debezium.METRIC_UPDATES_WITHOUT_BEFORE)
                      && expected.updateWithoutBefore())
              ? 1
              : 0;
      if (delta != want) {
        problems.add(counter + " +" + delta + ", expected +" + want);
      }
    }
    long[] want = {
      1,
      expected.changes().isEmpty() ? 0 : 1,
      expected.skipCounter() != null ? 1 : 0,
      expected.letters().isEmpty() ? 0 : 1,
      expected.changes().size()
    };
    for (int i = 0; i < ACCOUNTING.size(); i++) {
      String name = ACCOUNTING.get(i);
      long delta = after.get(name) - before.get(name);
      if (delta != want[i]) {
        problems.add(name + " +" + delta + ", expected +" + want[i]);
      }
    }
    if (!problems.isEmpty()) {
      mismatches.add(
          "#"
              + index
              + " key="
              + text(record.key())
              + " value="
              + text(record.value())
              + "\n    "
              + String.join("\n    ", problems));
    }
  }

  private static String text(byte[] b) {
    return b == null ? "null" : new String(b, StandardCharsets.UTF_8);
  }

  /** The real decoding function in Flink's operator harness, with a metric registry we can read. */
  private static final class Driver<I> implements AutoCloseable {
    record Emitted(List<Change<ReferenceRow>> changes, List<DeadLetter> letters) {}

    private final Map<String, Counter> counters = new HashMap<>();
    private final OneInputStreamOperatorTestHarness<I, Change<ReferenceRow>> harness;

    Driver(PayloadInput<I> input, Config config) throws Exception {
      TestingMetricRegistry registry =
          TestingMetricRegistry.builder()
              .setRegisterConsumer(
                  (metric, name, group) -> {
                    if (metric instanceof Counter c) {
                      counters.put(name, c);
                    }
                  })
              .build();
      TaskMetricGroup task =
          TaskManagerMetricGroup.createTaskManagerMetricGroup(
                  registry, "host", ResourceID.generate())
              .addJob(new JobID(), "job")
              .addTask(ExecutionAttemptID.randomId(), "task");
      MockEnvironment environment = new MockEnvironmentBuilder().setMetricGroup(task).build();
      List<String> fields = new ArrayList<>();
      List<Debezium.Metadata> metadata = new ArrayList<>();
      if (config.metadata()) {
        fields.addAll(
            List.of(
                "srcTable",
                "srcOp",
                "srcLsn",
                "srcSnapshot",
                "srcRow",
                "srcTs",
                "srcPos",
                "srcConnector",
                "srcTxId",
                "envTs"));
        metadata.addAll(
            List.of(
                Debezium.Metadata.TABLE,
                Debezium.Metadata.OP,
                Debezium.Metadata.LSN,
                Debezium.Metadata.SNAPSHOT,
                Debezium.Metadata.BINLOG_ROW,
                Debezium.Metadata.SOURCE_TS_MS,
                Debezium.Metadata.BINLOG_POS,
                Debezium.Metadata.CONNECTOR,
                Debezium.Metadata.TX_ID,
                Debezium.Metadata.TS_MS));
      }
      DecoderSettings<ReferenceRow> settings =
          new DecoderSettings<>(
              ReferenceRow.class,
              JsonReadLimits.defaults(),
              config.tombstones(),
              config.truncates(),
              config.timePrecision(),
              fields.toArray(new String[0]),
              metadata.toArray(new Debezium.Metadata[0]));
      harness =
          new OneInputStreamOperatorTestHarness<>(
              new ProcessOperator<>(
                  new DebeziumDecodingFunction<>(
                      input, new ErrorHandler(STEP, ErrorPolicy.deadLetter()), settings)),
              environment);
      NoKryo.disableGenericTypes(harness.getExecutionConfig());
      harness.setup(
          Change.typeInfo(TypeInformation.of(ReferenceRow.class))
              .createSerializer(harness.getExecutionConfig().getSerializerConfig()));
      harness.open();
    }

    Map<String, Long> counts() {
      Map<String, Long> counts = new HashMap<>();
      for (String name : SKIP_COUNTERS) {
        counts.put(name, counters.get(name).getCount());
      }
      for (String name : ACCOUNTING) {
        counts.put(name, counters.get(name).getCount());
      }
      return counts;
    }

    @SuppressWarnings("unchecked")
    Emitted process(I record, @Nullable Long timestamp) throws Exception {
      harness.getOutput().clear();
      Queue<StreamRecord<DeadLetter>> side = harness.getSideOutput(DeadLetter.OUTPUT_TAG);
      if (side != null) {
        side.clear();
      }
      // as a Kafka source does: the Flink record carries the Kafka record's timestamp
      harness.processElement(
          timestamp == null ? new StreamRecord<>(record) : new StreamRecord<>(record, timestamp));
      List<Change<ReferenceRow>> changes = new ArrayList<>();
      for (Object o : harness.getOutput()) {
        if (o instanceof StreamRecord) {
          changes.add(((StreamRecord<Change<ReferenceRow>>) o).getValue());
        }
      }
      side = harness.getSideOutput(DeadLetter.OUTPUT_TAG);
      List<DeadLetter> letters = new ArrayList<>();
      if (side != null) {
        side.forEach(r -> letters.add(r.getValue()));
      }
      return new Emitted(changes, letters);
    }

    @Override
    public void close() throws Exception {
      harness.close();
    }
  }
}
