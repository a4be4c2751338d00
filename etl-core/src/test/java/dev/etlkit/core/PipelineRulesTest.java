package dev.etlkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.flink.api.common.InvalidProgramException;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/**
 * Rules of docs/concepts.md (steps and stable uids, error policies) that had no test of their own.
 */
class PipelineRulesTest {

  private final StreamExecutionEnvironment env =
      StreamExecutionEnvironment.getExecutionEnvironment();

  private EtlStream<String> orders() {
    return Etl.from(env.fromData(Types.STRING, "a"), "orders");
  }

  @Test
  void names_1To64LettersDigitsDotUnderscoreDash_startingWithALetterOrDigit() {
    String longest = "a".repeat(64);

    assertThat(orders().apply(Steps.map(longest, String::trim, Types.STRING)).pipeline().uids())
        .containsExactly("orders/" + longest);
    assertThat(orders().apply(Steps.map("0.a_b-c", String::trim, Types.STRING)).pipeline().uids())
        .containsExactly("orders/0.a_b-c");
    for (String bad : new String[] {"a".repeat(65), "-a", ".a", "_a", "a b", "a/b"}) {
      assertThatThrownBy(() -> Steps.map(bad, String::trim, Types.STRING))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'" + bad + "'");
    }
  }

  /** Not serializable: a function capturing one cannot be shipped to a task. */
  static final class Connection {}

  @Test
  void apply_functionCapturingSomethingNotSerializable_failsNamingTheStep() {
    Connection connection = new Connection();
    MapFunction<String, String> usesIt = value -> value + connection;
    EtlStream<String> orders = orders();

    assertThatThrownBy(() -> orders.apply(Steps.map("enrich", usesIt, Types.STRING)))
        .isInstanceOf(InvalidProgramException.class)
        .hasMessageStartingWith("step 'orders/enrich': ")
        .hasMessageContaining("not serializable")
        .cause()
        .isInstanceOf(InvalidProgramException.class);
    assertThat(orders.apply(Steps.map("enrich", String::trim, Types.STRING)).pipeline().uids())
        .as("the failed step left its name free")
        .containsExactly("orders/enrich");
  }

  @Test
  void defaultErrorPolicy_afterTheFirstStep_fails() {
    EtlStream<String> trimmed = orders().apply(Steps.map("trim", String::trim, Types.STRING));

    assertThatThrownBy(() -> trimmed.defaultErrorPolicy(ErrorPolicy.failJob()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("defaultErrorPolicy")
        .hasMessageContaining("before the first step");
  }

  @Test
  void apply_stepGivingTwoOfItsOperatorsTheSameUid_fails() {
    EtlStep<String, String> twins =
        new EtlStep<>() {
          @Override
          public String name() {
            return "twins";
          }

          @Override
          public DataStream<String> expand(DataStream<String> input, StepContext context) {
            DataStream<String> first = context.named(input.map(String::trim).returns(Types.STRING));
            return context.named(first.map(String::strip).returns(Types.STRING));
          }
        };

    assertThatThrownBy(() -> orders().apply(twins))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("uid 'orders/twins'");
  }
}
