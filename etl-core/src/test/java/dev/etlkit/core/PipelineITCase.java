package dev.etlkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A pipeline of two steps on a local MiniCluster, parallelism 2, generic types disabled. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PipelineITCase {

  private static StreamExecutionEnvironment environment() {
    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(2);
    return env;
  }

  private static <T> List<T> drain(CloseableIterator<T> iterator) throws Exception {
    List<T> result = new ArrayList<>();
    try (iterator) {
      iterator.forEachRemaining(result::add);
    }
    return result;
  }

  /** Zero is neither positive nor negative here: it is an error (and becomes a dead letter). */
  static boolean isPositive(int n) {
    if (n == 0) {
      throw new ArithmeticException("zero has no sign here");
    }
    return n > 0;
  }

  @Test
  void deadLettersOfTwoSteps_arriveInDeadLetters_andTheAccountingBalances() throws Exception {
    StreamExecutionEnvironment env = environment();
    DataStream<String> lines = env.fromData(Types.STRING, "1", "2", "x", "-3", "4", "y", "0");

    // tag::compose[]
    EtlStream<Integer> positives =
        Etl.from(lines, "numbers")
            .apply(Steps.map("parse", Integer::parseInt, Types.INT))
            .apply(Steps.filter("positive", PipelineITCase::isPositive));
    // end::compose[]
    CloseableIterator<Integer> values = positives.toDataStream().collectAsync();
    CloseableIterator<DeadLetter> letters = positives.deadLetters().collectAsync();
    JobExecutionResult result = env.execute("pipeline-it");

    assertThat(drain(values)).containsExactlyInAnyOrder(1, 2, 4);
    assertThat(drain(letters))
        .extracting(l -> l.step() + ":" + l.payloadText() + ":" + l.errorClass())
        .containsExactlyInAnyOrder(
            "parse:x:java.lang.NumberFormatException",
            "parse:y:java.lang.NumberFormatException",
            "positive:0:java.lang.ArithmeticException");

    RecordAccounting accounting = RecordAccounting.of(result);
    RecordAccounting.StepCounts parse = accounting.step("numbers", "parse");
    RecordAccounting.StepCounts positive = accounting.step("numbers", "positive");
    assertThat(parse.in()).isEqualTo(7);
    assertThat(parse.deadLettered()).isEqualTo(2);
    assertThat(positive.in()).isEqualTo(parse.out());
    assertThat(positive.filtered()).isEqualTo(1);
    assertThat(positive.deadLettered()).isEqualTo(1);
    assertThat(positive.out()).isEqualTo(3);
    assertThat(accounting.isBalanced()).isTrue();
  }

  @Test
  void pipelineWithoutRejectingSteps_hasAnEmptyDeadLetterStream() throws Exception {
    StreamExecutionEnvironment env = environment();
    EtlStream<String> upper =
        Etl.from(env.fromData(Types.STRING, "a", "b"), "letters")
            .apply(new TestSteps.UpperCase("upper"));

    CloseableIterator<String> values = upper.toDataStream().collectAsync();
    CloseableIterator<DeadLetter> letters = upper.deadLetters().collectAsync();
    env.execute("no-dead-letters");

    assertThat(drain(values)).containsExactlyInAnyOrder("A", "B");
    assertThat(drain(letters)).isEmpty();
  }

  @Test
  void splitStep_sendsEachRecordToItsOutput_andTheAccountingBalances() throws Exception {
    StreamExecutionEnvironment env = environment();
    SplitStreams<Integer> parity =
        Etl.from(env.fromData(Types.STRING, "1", "2", "x", "4", "5"), "numbers")
            .split(new TestSteps.EvenOdd());

    CloseableIterator<Integer> even = parity.get("even").toDataStream().collectAsync();
    CloseableIterator<Integer> odd = parity.get("odd").toDataStream().collectAsync();
    CloseableIterator<DeadLetter> letters = parity.get("odd").deadLetters().collectAsync();
    JobExecutionResult result = env.execute("split-it");

    assertThat(drain(even)).containsExactlyInAnyOrder(2, 4);
    assertThat(drain(odd)).containsExactlyInAnyOrder(1, 5);
    assertThat(drain(letters)).extracting(DeadLetter::payloadText).containsExactly("x");
    RecordAccounting.StepCounts counts = RecordAccounting.of(result).step("numbers", "even-odd");
    assertThat(counts.in()).isEqualTo(5);
    assertThat(counts.out()).isEqualTo(4);
    assertThat(counts.deadLettered()).isEqualTo(1);
    assertThat(counts.isBalanced()).isTrue();
  }

  @Test
  void customStepThatCountsNothing_isMissingFromTheAccounting_andTheMessageSaysWhy()
      throws Exception {
    // getting-started.md's short custom step: its map registers no StepMetrics. It ran, on every
    // record, and no failover happened, yet it has no counts: the accounting given the pipeline
    // lists it as missing and is not balanced, so its reasons must include this one.
    StreamExecutionEnvironment env = environment();
    EtlStream<String> upper =
        Etl.from(env.fromData(Types.STRING, " a", "b "), "letters")
            .apply(Steps.map("trim", String::trim, Types.STRING))
            .apply(new TestSteps.UpperCase("upper"))
            .apply(new CountedLowerCase());

    CloseableIterator<String> values = upper.toDataStream().collectAsync();
    JobExecutionResult result = env.execute("uncounted-custom-step");

    assertThat(drain(values)).containsExactlyInAnyOrder("a", "b");
    RecordAccounting accounting = RecordAccounting.of(result, upper.pipeline());
    assertThat(accounting.step("letters", "trim").isBalanced()).isTrue();
    assertThat(accounting.step("letters", "lower"))
        .as("a custom step expanded through Steps is counted, as the docs say")
        .isEqualTo(new RecordAccounting.StepCounts("letters", "lower", 2, 2, 0, 0, 0, 2));
    assertThat(accounting.missingSteps()).containsExactly("letters/upper");
    assertThat(accounting.isBalanced()).isFalse();
    assertThatThrownBy(() -> accounting.step("letters", "upper"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("registers no StepMetrics");
  }

  /** A custom step expanded through {@link Steps}, which counts its records. */
  private static final class CountedLowerCase implements EtlStep<String, String> {
    @Override
    public String name() {
      return "lower";
    }

    @Override
    public DataStream<String> expand(DataStream<String> input, StepContext context) {
      return Steps.map(name(), (String s) -> s.toLowerCase(), Types.STRING).expand(input, context);
    }
  }
}
