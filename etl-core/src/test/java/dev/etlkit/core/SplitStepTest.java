package dev.etlkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/**
 * Steps with several named outputs: {@link EtlStream#split(SplitStep)} and {@link SplitStreams}.
 */
class SplitStepTest {

  private final StreamExecutionEnvironment env =
      StreamExecutionEnvironment.getExecutionEnvironment();

  private EtlStream<String> numbers() {
    return Etl.from(env.fromData(Types.STRING, "1", "2", "x"), "numbers");
  }

  /** A split step whose outputs are whatever the test returns from expand. */
  private static SplitStep<String, String> returning(Map<String, DataStream<String>> outputs) {
    return new SplitStep<>() {
      @Override
      public String name() {
        return "broken";
      }

      @Override
      public Map<String, DataStream<String>> expand(DataStream<String> input, StepContext context) {
        return outputs;
      }
    };
  }

  @Test
  void split_oneOperator_getsTheStepUid_andTheOutputsKeepTheirOrder() {
    SplitStreams<Integer> parity = numbers().split(new TestSteps.EvenOdd());

    assertThat(parity.step()).isEqualTo("even-odd");
    assertThat(parity.names()).containsExactly("even", "odd");
    assertThat(parity.get("even").type()).isEqualTo(Types.INT);
    assertThat(parity.get("even").pipeline().uids()).containsExactly("numbers/even-odd");
  }

  @Test
  void split_outputsContinueInTheSamePipeline_withItsNamesAndDeadLetters() {
    SplitStreams<Integer> parity = numbers().split(new TestSteps.EvenOdd());

    EtlStream<Integer> halved = parity.get("even").apply(Steps.map("half", n -> n / 2, Types.INT));
    EtlStream<Integer> odd = parity.get("odd");

    assertThat(halved.pipeline()).isSameAs(odd.pipeline());
    assertThat(halved.pipeline().uids()).containsExactly("numbers/even-odd", "numbers/half");
    assertThat(halved.deadLetters().getTransformation().getInputs()).hasSize(2);
    assertThatThrownBy(() -> odd.apply(Steps.map("even-odd", n -> n, Types.INT)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("already has a step named 'even-odd'");
  }

  /**
   * A split step with one unnamed operator per output, returning its outputs in the given order (a
   * {@code Map.of} iterates in an order that changes from JVM to JVM).
   */
  private static SplitStep<String, String> branches(List<String> order) {
    return new SplitStep<>() {
      @Override
      public String name() {
        return "branches";
      }

      @Override
      public Map<String, DataStream<String>> expand(DataStream<String> input, StepContext context) {
        Map<String, DataStream<String>> outputs = new LinkedHashMap<>();
        for (String output : order) {
          outputs.put(output, input.map(s -> s + output).returns(Types.STRING));
        }
        return outputs;
      }
    };
  }

  /** Output name -> uid of the operator that produces it. */
  private static Map<String, String> uidsByOutput(SplitStreams<String> split) {
    Map<String, String> uids = new LinkedHashMap<>();
    for (String output : split.names()) {
      Transformation<?> t = split.get(output).toDataStream().getTransformation();
      uids.put(output, t.getUid());
    }
    return uids;
  }

  @Test
  void split_unnamedOperatorsPerOutput_getTheSameUidsWhateverOrderTheMapIteratesIn() {
    Map<String, String> first = uidsByOutput(numbers().split(branches(List.of("even", "odd"))));
    Map<String, String> second = uidsByOutput(numbers().split(branches(List.of("odd", "even"))));

    assertThat(second).isEqualTo(first);
  }

  @Test
  void get_unknownOutput_failsListingTheOutputs() {
    SplitStreams<Integer> parity = numbers().split(new TestSteps.EvenOdd());

    assertThatThrownBy(() -> parity.get("prime"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("step 'even-odd' has no output named 'prime'; its outputs are [even, odd]");
  }

  @Test
  void split_stepReturningNoOutputs_fails() {
    assertThatThrownBy(() -> numbers().split(returning(Map.of())))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("step 'broken' returned no output streams");
  }

  @Test
  void split_stepReturningAnInvalidOutputName_fails() {
    EtlStream<String> input = numbers();

    assertThatThrownBy(() -> input.split(returning(Map.of("no spaces", input.toDataStream()))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("output name of step 'broken'")
        .hasMessageContaining("'no spaces'");
  }

  @Test
  void split_stepReturningANullStream_fails() {
    assertThatThrownBy(() -> numbers().split(returning(Collections.singletonMap("lost", null))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("step 'broken' returned no stream for its output 'lost'");
  }
}
