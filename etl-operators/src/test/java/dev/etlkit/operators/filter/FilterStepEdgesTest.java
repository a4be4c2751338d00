package dev.etlkit.operators.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlException;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.core.SplitStreams;
import java.util.List;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.types.Either;
import org.junit.jupiter.api.Test;

/**
 * Edges of the filter, projection and route steps found by a review on 2026-11-24, each failing
 * before that day's fixes: an {@code Either} of a Kryo type passed the Kryo check, a bad record
 * whose {@code toString} throws failed the job, and an invalid route name did not name its step.
 */
class FilterStepEdgesTest {

  private final StreamExecutionEnvironment env =
      StreamExecutionEnvironment.getExecutionEnvironment();

  // ---------------------------------------------------------------------------------------------
  // Finding: the Kryo check misses an Either field whose branch is a generic (Kryo) type.

  /** A record whose field is an Either with a branch Flink can only serialize with Kryo. */
  public record Tagged(String id, Either<String, Object> value) {}

  @Test
  void project_outputClassWithAnEitherOfAKryoType_failsNamingTheField() {
    // precondition: Flink really serializes that field with Kryo (it fails with generic types off)
    TypeInformation<Tagged> type = TypeInformation.of(Tagged.class);
    ExecutionConfig noKryo = new ExecutionConfig();
    NoKryo.disableGenericTypes(noKryo);
    assertThatThrownBy(() -> type.createSerializer(noKryo.getSerializerConfig()))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("Generic types have been disabled");

    // docs/filtering.md: "if the class, or any field inside it, would be serialized with Kryo ...
    // it fails with an IllegalArgumentException that names the class or the field"
    assertThatThrownBy(() -> Project.to("tagged", Tagged.class, (Order o) -> null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("output class of projection 'tagged'")
        .hasMessageContaining("value{right}")
        .hasMessageContaining("java.lang.Object would be serialized with Kryo");
  }

  @Test
  void route_inputTypeWithAnEitherOfAKryoType_failsWhenApplied() {
    EtlStream<Tagged> tagged =
        Etl.from(
            env.fromData(TypeInformation.of(Tagged.class), new Tagged("t1", Either.Left("x"))),
            "tagged");

    assertThatThrownBy(() -> tagged.split(Route.<Tagged>by("r").to("one", t -> true)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("input type of step 'r'")
        .hasMessageContaining("would be serialized with Kryo");
  }

  // ---------------------------------------------------------------------------------------------
  // Finding: a bad record whose toString() throws fails the job instead of being dead-lettered.

  /** A reading; its text form, like its check, needs a value (a POJO-style toString). */
  public record Reading(String sensor, Double value) {
    public boolean isPositive() {
      return value > 0; // NullPointerException for a reading without a value: a bad record
    }

    @Override
    public String toString() {
      return sensor + "=" + String.format("%.2f", value.doubleValue());
    }
  }

  private EtlStream<Reading> readings() {
    return Etl.from(
        env.fromData(TypeInformation.of(Reading.class), new Reading("s0", 1.0)), "readings");
  }

  @Test
  void where_badRecordWhoseToStringThrows_isDeadLettered_andTheJobGoesOn() throws Exception {
    try (OneInputStreamOperatorTestHarness<Reading, Reading> h =
        StepHarness.of(
            readings().apply(Filters.where("positive", Reading::isPositive)).toDataStream())) {
      h.processElement(new Reading("s1", 1.5), 1L);
      h.processElement(new Reading("s2", null), 2L); // bad: the predicate throws
      h.processElement(new Reading("s3", 2.5), 3L);

      assertThat(h.extractOutputValues()).extracting(Reading::sensor).containsExactly("s1", "s3");
      List<DeadLetter> letters = StepHarness.deadLetters(h);
      assertThat(letters).hasSize(1);
      assertThat(letters.get(0).errorClass()).isEqualTo(NullPointerException.class.getName());
      assertThat(letters.get(0).eventTime()).isEqualTo(2L);
      assertThat(letters.get(0).payloadText())
          .isEqualTo(
              "<no text form: "
                  + Reading.class.getName()
                  + ".toString() threw java.lang.NullPointerException>");
      RecordAccounting.StepCounts counts = StepHarness.counts(h, "readings", "positive");
      assertThat(counts.deadLettered()).isEqualTo(1);
      assertThat(counts.isBalanced()).isTrue();
    }
  }

  @Test
  void route_predicateInterruptWrapped_isNoDeadLetter_theTaskSeesTheInterrupt() throws Exception {
    // What blocking code that may not throw an InterruptedException does: wrap it, clearing the
    // flag.
    SplitStreams<Reading> routes =
        readings()
            .split(
                Route.<Reading>by("sign")
                    .to(
                        "positive",
                        r -> {
                          throw new IllegalStateException(
                              "rule service", new InterruptedException("cancelled"));
                        })
                    .otherwise("rest"));
    try (OneInputStreamOperatorTestHarness<Reading, Reading> h =
        StepHarness.of(routes.get("positive").toDataStream())) {
      Throwable thrown = catchThrowable(() -> h.processElement(new Reading("s1", 1.5), 1L));
      boolean interrupted = Thread.interrupted(); // read and clear the flag before asserting

      assertThat(thrown)
          .isInstanceOf(EtlException.class)
          .hasMessageContaining("interrupted")
          .hasRootCauseInstanceOf(InterruptedException.class);
      assertThat(interrupted).as("interrupt flag restored").isTrue();
      assertThat(StepHarness.deadLetters(h)).isEmpty();
    }
  }

  @Test
  void route_badRecordWhoseToStringThrows_isDeadLettered_andTheJobGoesOn() throws Exception {
    SplitStreams<Reading> routes =
        readings()
            .split(Route.<Reading>by("sign").to("positive", Reading::isPositive).otherwise("rest"));
    try (OneInputStreamOperatorTestHarness<Reading, Reading> h =
        StepHarness.of(routes.get("positive").toDataStream())) {
      h.processElement(new Reading("s1", 1.5), 1L);
      h.processElement(new Reading("s2", null), 2L); // bad: the predicate throws
      h.processElement(new Reading("s3", -2.5), 3L);

      assertThat(StepHarness.side(h, StepHarness.tagOf(routes.get("positive").toDataStream())))
          .extracting(Reading::sensor)
          .containsExactly("s1");
      assertThat(StepHarness.side(h, StepHarness.tagOf(routes.get("rest").toDataStream())))
          .extracting(Reading::sensor)
          .containsExactly("s3");
      assertThat(StepHarness.deadLetters(h))
          .singleElement()
          .satisfies(
              l -> assertThat(l.errorClass()).isEqualTo(NullPointerException.class.getName()));
      assertThat(StepHarness.counts(h, "readings", "sign").isBalanced()).isTrue();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Finding: an invalid route name fails without naming the step (docs: "naming the step and the
  // route").

  @Test
  void to_invalidRouteName_failsNamingTheStepAndTheRoute() {
    assertThatThrownBy(() -> Route.<Order>by("route-orders").to("e/u", Order::isPaid))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("route name of step 'route-orders' must be")
        .hasMessageEndingWith("was 'e/u'");
  }

  @Test
  void otherwise_invalidRouteName_failsNamingTheStepAndTheRoute() {
    Route<Order> route = Route.<Order>by("route-orders").to("eu", Order::isPaid);

    assertThatThrownBy(() -> route.otherwise("the rest"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("step 'route-orders'")
        .hasMessageContaining("'the rest'");
  }
}
