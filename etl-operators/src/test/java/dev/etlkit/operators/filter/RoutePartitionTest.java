package dev.etlkit.operators.filter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.Etl;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.core.SplitStreams;
import dev.etlkit.operators.filter.internal.BranchCounters;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;

/**
 * Routing partitions its input: under first-match, every record lands in exactly one route, or is
 * counted as filtered, or (when a predicate throws) becomes exactly one dead letter; and it lands
 * in the route a reference model picks. Under all-matches, every record lands in each route that
 * accepts it, once.
 */
class RoutePartitionTest {

  /** Route {@code i} accepts multiples of {@code divisors[i]}; multiples of 97 make it throw. */
  static final class DivisibleBy implements FilterFunction<Integer> {
    private final int divisor;

    DivisibleBy(int divisor) {
      this.divisor = divisor;
    }

    @Override
    public boolean filter(Integer value) {
      if (value % 97 == 0) {
        throw new ArithmeticException("97 divides it");
      }
      return value % divisor == 0;
    }
  }

  private static Route<Integer> route(List<Integer> divisors, boolean otherwise, boolean all) {
    Route<Integer> route = Route.by("route");
    for (int i = 0; i < divisors.size(); i++) {
      route = route.to("r" + i, new DivisibleBy(divisors.get(i)));
    }
    route = otherwise ? route.otherwise("rest") : route;
    return all ? route.withMatching(Route.Matching.ALL) : route;
  }

  /** Runs the step; returns the input values each route received, and the harness for counts. */
  private static Map<String, List<Integer>> run(
      Route<Integer> step, List<Integer> input, List<DeadLetter> letters, long[] counts)
      throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    SplitStreams<Integer> outputs = Etl.from(env.fromData(Types.INT, 1), "numbers").split(step);
    Map<String, List<Integer>> routed = new HashMap<>();
    try (OneInputStreamOperatorTestHarness<Integer, Integer> h =
        StepHarness.of(outputs.get(outputs.names().get(0)).toDataStream())) {
      for (int value : input) {
        h.processElement(value, 1L);
      }
      for (String name : outputs.names()) {
        routed.put(name, StepHarness.side(h, StepHarness.tagOf(outputs.get(name).toDataStream())));
      }
      letters.addAll(StepHarness.deadLetters(h));
      RecordAccounting.StepCounts c = StepHarness.counts(h, "numbers", "route");
      assertThat(c.isBalanced()).as("in == out + filtered + deadLettered: %s", c).isTrue();
      Map<String, Long> perRoute =
          BranchCounters.read(
              StepHarness.accumulators(h), BranchCounters.ROUTE, "numbers", "route");
      for (String name : outputs.names()) {
        assertThat(perRoute.getOrDefault(name, 0L)).isEqualTo(routed.get(name).size());
      }
      counts[0] = c.in();
      counts[1] = c.filtered();
      counts[2] = c.deadLettered();
    }
    return routed;
  }

  @Property(tries = 60)
  void firstMatch_partitionsTheInputExactly(
      @ForAll @Size(min = 1, max = 4) List<@IntRange(min = 1, max = 7) Integer> divisors,
      @ForAll boolean otherwise,
      @ForAll @Size(max = 60) List<@IntRange(min = -300, max = 300) Integer> input)
      throws Exception {
    List<DeadLetter> letters = new ArrayList<>();
    long[] counts = new long[3];
    Map<String, List<Integer>> routed =
        run(route(divisors, otherwise, false), input, letters, counts);

    // Reference model: the first divisor that divides the value, "rest" or nothing.
    Map<String, List<Integer>> expected = new HashMap<>();
    List<Integer> expectedLetters = new ArrayList<>();
    long expectedFiltered = 0;
    for (int value : input) {
      if (value % 97 == 0) {
        expectedLetters.add(value);
        continue;
      }
      String target = otherwise ? "rest" : null;
      for (int i = 0; i < divisors.size(); i++) {
        if (value % divisors.get(i) == 0) {
          target = "r" + i;
          break;
        }
      }
      if (target == null) {
        expectedFiltered++;
      } else {
        expected.computeIfAbsent(target, k -> new ArrayList<>()).add(value);
      }
    }

    for (Map.Entry<String, List<Integer>> e : routed.entrySet()) {
      assertThat(e.getValue())
          .as("route %s", e.getKey())
          .containsExactlyElementsOf(expected.getOrDefault(e.getKey(), List.of()));
    }
    assertThat(letters)
        .extracting(DeadLetter::payloadText)
        .containsExactlyElementsOf(expectedLetters.stream().map(String::valueOf).toList());
    long routedTotal = routed.values().stream().mapToLong(List::size).sum();
    assertThat(routedTotal + counts[1] + counts[2]).isEqualTo(input.size());
    assertThat(counts[0]).isEqualTo(input.size());
    assertThat(counts[1]).isEqualTo(expectedFiltered);
  }

  @Property(tries = 30)
  void allMatches_sendsEveryRecordToEachRouteThatAcceptsIt(
      @ForAll @Size(min = 1, max = 4) List<@IntRange(min = 1, max = 7) Integer> divisors,
      @ForAll boolean otherwise,
      @ForAll @Size(max = 60) List<@IntRange(min = -300, max = 300) Integer> input)
      throws Exception {
    List<DeadLetter> letters = new ArrayList<>();
    long[] counts = new long[3];
    Map<String, List<Integer>> routed =
        run(route(divisors, otherwise, true), input, letters, counts);

    for (int i = 0; i < divisors.size(); i++) {
      int divisor = divisors.get(i);
      assertThat(routed.get("r" + i))
          .containsExactlyElementsOf(
              input.stream().filter(v -> v % 97 != 0 && v % divisor == 0).toList());
    }
    if (otherwise) {
      assertThat(routed.get("rest"))
          .containsExactlyElementsOf(
              input.stream()
                  .filter(v -> v % 97 != 0 && divisors.stream().noneMatch(d -> v % d == 0))
                  .toList());
    }
    assertThat(letters).hasSize((int) input.stream().filter(v -> v % 97 == 0).count());
  }
}
