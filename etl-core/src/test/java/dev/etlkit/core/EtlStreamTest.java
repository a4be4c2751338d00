package dev.etlkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSource;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.streaming.api.transformations.PhysicalTransformation;
import org.apache.flink.streaming.runtime.partitioner.ForwardPartitioner;
import org.junit.jupiter.api.Test;

class EtlStreamTest {

  private final StreamExecutionEnvironment env =
      StreamExecutionEnvironment.getExecutionEnvironment();

  private DataStream<String> source() {
    return env.fromData(Types.STRING, "a 1", "b 2");
  }

  /** uid -> operator name of every physical operator upstream of (and including) the stream. */
  private static Map<String, String> operators(DataStream<?> stream) {
    Map<String, String> result = new LinkedHashMap<>();
    for (Transformation<?> t : stream.getTransformation().getTransitivePredecessors()) {
      if (t instanceof PhysicalTransformation && t.getUid() != null) {
        result.put(t.getUid(), t.getName());
      }
    }
    return result;
  }

  @Test
  void apply_stepThatNamesNothing_getsUidAndNameFromPipelineAndStep() {
    EtlStream<String> out = Etl.from(source(), "orders").apply(new TestSteps.UpperCase("upper"));

    assertThat(operators(out.toDataStream())).containsEntry("orders/upper", "orders/upper");
    assertThat(out.pipeline().uids()).containsExactly("orders/upper");
  }

  @Test
  void apply_insertingAStep_keepsTheUidsOfTheOtherSteps() {
    EtlStream<String> before =
        Etl.from(source(), "orders")
            .apply(Steps.map("trim", String::trim, Types.STRING))
            .apply(new TestSteps.CountPerKey(null))
            .apply(Steps.filter("non-empty", s -> !s.isEmpty()));
    EtlStream<String> after =
        Etl.from(source(), "orders")
            .apply(Steps.map("trim", String::trim, Types.STRING))
            .apply(new TestSteps.UpperCase("upper"))
            .apply(Steps.filter("not-blank", s -> !s.isBlank()))
            .apply(new TestSteps.CountPerKey(null))
            .apply(Steps.filter("non-empty", s -> !s.isEmpty()));

    assertThat(before.pipeline().uids())
        .containsExactly("orders/trim", "orders/count-per-key", "orders/non-empty");
    assertThat(operators(after.toDataStream()).keySet())
        .containsAll(before.pipeline().uids())
        .contains("orders/upper", "orders/not-blank");
  }

  @Test
  void apply_duplicateStepName_failsAndSaysHowToFix() {
    EtlStream<String> trimmed =
        Etl.from(source(), "orders").apply(Steps.map("trim", String::trim, Types.STRING));

    assertThatThrownBy(() -> trimmed.apply(Steps.map("trim", String::strip, Types.STRING)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pipeline 'orders' already has a step named 'trim'")
        .hasMessageContaining("give this step another name");
  }

  @Test
  void apply_stepWhoseExpansionThrows_leavesItsNameAndUidsFree() {
    EtlStream<String> orders = Etl.from(source(), "orders");
    EtlStep<String, String> failing =
        new EtlStep<>() {
          @Override
          public String name() {
            return "trim";
          }

          @Override
          public DataStream<String> expand(DataStream<String> input, StepContext context) {
            throw new IllegalArgumentException("the step's own check failed");
          }
        };

    assertThatThrownBy(() -> orders.apply(failing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the step's own check failed");
    assertThat(orders.pipeline().stepNames()).isEmpty();

    EtlStream<String> trimmed = orders.apply(Steps.map("trim", String::trim, Types.STRING));
    assertThat(trimmed.pipeline().stepNames()).containsExactly("trim");
    assertThat(trimmed.pipeline().uids()).containsExactly("orders/trim");
  }

  @Test
  void apply_sameStepNameInTwoPipelines_isAllowed() {
    Etl.from(source(), "orders").apply(Steps.map("trim", String::trim, Types.STRING));
    EtlStream<String> other =
        Etl.from(source(), "customers").apply(Steps.map("trim", String::trim, Types.STRING));

    assertThat(other.pipeline().uids()).containsExactly("customers/trim");
  }

  @Test
  void apply_invalidStepName_failsNamingTheValue() {
    EtlStream<String> stream = Etl.from(source(), "orders");

    assertThatThrownBy(() -> stream.apply(new TestSteps.UpperCase("to upper/case")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("step name must be 1 to 64 characters")
        .hasMessageContaining("'to upper/case'");
  }

  @Test
  void from_invalidPipelineName_fails() {
    assertThatThrownBy(() -> Etl.from(source(), ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pipeline name");
  }

  @Test
  void apply_stepReusingAnotherStepsUid_fails() {
    EtlStream<String> stream =
        Etl.from(source(), "orders").apply(Steps.map("trim", String::trim, Types.STRING));
    EtlStep<String, String> thief =
        new EtlStep<>() {
          @Override
          public String name() {
            return "thief";
          }

          @Override
          public DataStream<String> expand(DataStream<String> input, StepContext context) {
            return input.map(String::trim).returns(Types.STRING).uid("orders/trim");
          }
        };

    assertThatThrownBy(() -> stream.apply(thief))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("uid 'orders/trim' already in use");
  }

  @Test
  void apply_stepWithTwoUnnamedOperators_derivesDistinctUids() {
    EtlStep<String, String> twoMaps =
        new EtlStep<>() {
          @Override
          public String name() {
            return "two";
          }

          @Override
          public DataStream<String> expand(DataStream<String> input, StepContext context) {
            return input
                .map(String::trim)
                .returns(Types.STRING)
                .map(String::toLowerCase)
                .returns(Types.STRING);
          }
        };

    EtlStream<String> out = Etl.from(source(), "orders").apply(twoMaps);

    assertThat(out.pipeline().uids()).containsExactly("orders/two", "orders/two/map");
  }

  @Test
  void defaultStateTtl_afterFirstStep_fails() {
    EtlStream<String> stream =
        Etl.from(source(), "orders").apply(Steps.map("trim", String::trim, Types.STRING));

    assertThatThrownBy(() -> stream.defaultStateTtl(Duration.ofHours(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("must be set before the first step is applied");
  }

  @Test
  void defaultStateTtl_negative_fails() {
    EtlStream<String> stream = Etl.from(source(), "orders");

    assertThatThrownBy(() -> stream.defaultStateTtl(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("defaultStateTtl must be zero (no TTL) or positive, was PT-1S");
  }

  @Test
  void defaultStateTtl_zero_meansNoDefault() {
    // like table.exec.state.ttl = 0: state is kept until a step clears it
    EtlStream<String> out =
        Etl.from(source(), "orders")
            .defaultStateTtl(Duration.ZERO)
            .apply(new TestSteps.CountPerKey(null));

    assertThat(out.pipeline().defaultStateTtl()).isEmpty();
    assertThat(out.stateInventory().entries().get(0).state().ttl()).isEmpty();
  }

  @Test
  void defaultStateTtl_belowOneMillisecond_failsWhenSet() {
    // Flink's state TTL counts whole milliseconds: it would fail every stateful step at open
    EtlStream<String> stream = Etl.from(source(), "orders");

    assertThatThrownBy(() -> stream.defaultStateTtl(Duration.ofNanos(500_000)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "defaultStateTtl must be at least 1 ms (counted in whole milliseconds), was"
                + " PT0.0005S");
  }

  @Test
  void declareState_ofAnAdditionalOperator_isListedUnderItsUid_andEachOperatorsNamesOnce() {
    StateDeclaration buffer = StateDeclaration.list("buffer", Types.STRING);
    EtlStream<String> out =
        Etl.from(source(), "orders")
            .apply(
                new EtlStep<String, String>() {
                  @Override
                  public String name() {
                    return "stage";
                  }

                  @Override
                  public DataStream<String> expand(DataStream<String> in, StepContext context) {
                    context.declareState(Types.STRING, buffer);
                    context.declareState("spill", Types.STRING, buffer); // another operator
                    assertThatThrownBy(() -> context.declareState("spill", Types.STRING, buffer))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessage("operator 'orders/stage/spill' declares state 'buffer' twice");
                    assertThatThrownBy(() -> context.declareState(Types.STRING, buffer))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessage("step 'stage' declares state 'buffer' twice");
                    return in;
                  }
                });

    assertThat(out.stateInventory().entries())
        .extracting(e -> e.step() + " " + e.uid() + " " + e.state().name())
        .containsExactly("stage orders/stage buffer", "stage orders/stage/spill buffer");
  }

  @Test
  void stateTtl_noDefaultAndNoOverride_isNone() {
    EtlStream<String> out = Etl.from(source(), "orders").apply(new TestSteps.CountPerKey(null));

    assertThat(out.stateInventory().entries().get(0).state().ttl()).isEmpty();
  }

  @Test
  void stateTtl_pipelineDefault_appliesToStepsWithoutOverride() {
    EtlStream<String> out =
        Etl.from(source(), "orders")
            .defaultStateTtl(Duration.ofDays(1))
            .apply(new TestSteps.CountPerKey(null));

    assertThat(out.stateInventory().entries().get(0).state().ttl()).contains(Duration.ofDays(1));
  }

  @Test
  void stateTtl_stepOverride_winsOverPipelineDefault() {
    EtlStream<String> out =
        Etl.from(source(), "orders")
            .defaultStateTtl(Duration.ofDays(1))
            .apply(new TestSteps.CountPerKey(null).withStateTtl(Duration.ofMinutes(10)));

    assertThat(out.stateInventory().entries().get(0).state().ttl())
        .contains(Duration.ofMinutes(10));
  }

  @Test
  void stateTtl_zeroOverride_meansNoTtl_whateverThePipelineDefault() {
    EtlStream<String> out =
        Etl.from(source(), "orders")
            .defaultStateTtl(Duration.ofDays(1))
            .apply(new TestSteps.CountPerKey(Duration.ZERO));

    assertThat(out.stateInventory().entries().get(0).state().ttl()).isEmpty();
  }

  @Test
  void deadLetters_calledBeforeAStepThatRejects_failsFast() {
    EtlStream<String> stream =
        Etl.from(source(), "orders").apply(Steps.map("trim", String::trim, Types.STRING));
    stream.deadLetters();

    assertThatThrownBy(() -> stream.apply(Steps.filter("non-empty", s -> !s.isEmpty())))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("apply all steps before calling deadLetters()");
  }

  /**
   * A deadLetters() that failed returned no stream, so it must not count as taken: the steps
   * applied after it report their dead letters as usual.
   */
  @Test
  void deadLetters_failedForWantOfAnInput_doesNotBlockTheStepsAppliedLater() {
    EtlPipeline pipeline = Etl.pipeline("orders");
    assertThatThrownBy(pipeline::deadLetters)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("pipeline 'orders' has no input yet");

    EtlStream<String> trimmed =
        pipeline.from(source()).apply(Steps.map("trim", String::trim, Types.STRING));

    assertThat(trimmed.deadLetters().getType()).isEqualTo(DeadLetter.TYPE_INFO);
  }

  @Test
  void deadLetters_ofTwoSteps_areOneUnion() {
    EtlStream<String> out =
        Etl.from(source(), "orders")
            .apply(Steps.map("trim", String::trim, Types.STRING))
            .apply(Steps.filter("non-empty", s -> !s.isEmpty()));

    DataStream<DeadLetter> letters = out.deadLetters();

    assertThat(letters.getType()).isEqualTo(DeadLetter.TYPE_INFO);
    assertThat(letters.getTransformation().getInputs()).hasSize(2);
  }

  @Test
  void deadLetters_ofStepsThatRejectNothing_calledTwice_isOneOperator() {
    EtlStream<String> out = Etl.from(source(), "orders").apply(new TestSteps.UpperCase("upper"));
    out.toDataStream().sinkTo(new DiscardingSink<>()).uid("main-sink");

    DataStream<DeadLetter> first = out.deadLetters();
    DataStream<DeadLetter> second = out.deadLetters(); // a second sink, an audit copy

    assertThat(second).isSameAs(first);
    first.sinkTo(new DiscardingSink<>()).uid("dead-letter-sink");
    second.sinkTo(new DiscardingSink<>()).uid("dead-letter-audit");
    assertThatCode(() -> env.getStreamGraph().getJobGraph()).doesNotThrowAnyException();
  }

  @Test
  void deadLetters_ofStepsThatRejectNothing_chainToAnInputOfAnotherParallelism() {
    // A Kafka source often runs at its topic's partition count, not the job's parallelism: the
    // always-empty dead-letter operator must not ship the whole input over the network again.
    env.setParallelism(4);
    DataStreamSource<String> input = env.fromData(Types.STRING, "a 1", "b 2");
    input.setParallelism(1);
    EtlStream<String> out = Etl.from(input, "orders").apply(new TestSteps.UpperCase("upper"));
    out.toDataStream().sinkTo(new DiscardingSink<>()).uid("main-sink");
    out.deadLetters().sinkTo(new DiscardingSink<>()).uid("dead-letter-sink");

    StreamGraph graph = env.getStreamGraph();
    StreamNode noDeadLetters =
        graph.getStreamNodes().stream()
            .filter(n -> "orders/no-dead-letters".equals(n.getTransformationUID()))
            .findFirst()
            .orElseThrow();
    assertThat(noDeadLetters.getParallelism()).isEqualTo(1);
    assertThat(noDeadLetters.getInEdges())
        .singleElement()
        .satisfies(e -> assertThat(e.getPartitioner()).isInstanceOf(ForwardPartitioner.class));
  }

  @Test
  void deadLetters_ofStepsThatRejectNothing_andAStepNamedLikeItsOperator_failAtBuildTime() {
    EtlStream<String> named =
        Etl.from(source(), "orders").apply(new TestSteps.UpperCase("no-dead-letters"));
    assertThatThrownBy(named::deadLetters)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("has a step named 'no-dead-letters'");

    EtlStream<String> out = Etl.from(source(), "orders").apply(new TestSteps.UpperCase("upper"));
    out.deadLetters();
    assertThatThrownBy(() -> out.apply(new TestSteps.UpperCase("no-dead-letters")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("uid 'orders/no-dead-letters' already in use");
  }

  @Test
  void stateInventory_listsDeclaredStateAsTable() {
    EtlStream<String> out =
        Etl.from(source(), "orders")
            .apply(Steps.map("trim", String::trim, Types.STRING))
            .apply(new TestSteps.CountPerKey(Duration.ofHours(6)));

    StateInventory inventory = out.stateInventory();

    assertThat(inventory.entries())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.step()).isEqualTo("count-per-key");
              assertThat(e.uid()).isEqualTo("orders/count-per-key");
              assertThat(e.keyType()).isEqualTo("String");
              assertThat(e.state().name()).isEqualTo("count");
              assertThat(e.state().kind()).isEqualTo(StateDeclaration.Kind.VALUE);
              assertThat(e.state().valueType()).isEqualTo("Long");
            });
    assertThat(inventory.toTable())
        .isEqualTo(
            "step          | uid                  | state | kind  | key    | value | ttl | growth\n"
                + "------------- | -------------------- | ----- | ----- | ------ | ----- | --- | ----------------\n"
                + "count-per-key | orders/count-per-key | count | VALUE | String | Long  | 6h  | one long per key\n");
  }
}
