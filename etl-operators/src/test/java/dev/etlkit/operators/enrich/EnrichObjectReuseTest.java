package dev.etlkit.operators.enrich;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.operators.MutableRow;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.types.Either;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The lookup step with Flink's object reuse on, behind an upstream that emits one row object for
 * every record and changes it as soon as the step returns: the records in flight (waiting for a
 * load, for a retry, in a micro-batch, behind a slower record in the ordered queue, in a
 * checkpoint), the answers from the cache and the dead letters of failed lookups must be those of
 * fresh objects. The step's operator is Flink's {@code AsyncWaitOperator}, which copies each record
 * it queues when object reuse is on; this guards that its cache-first shortcut keeps it so.
 */
class EnrichObjectReuseTest {

  private static final TypeSerializer<MutableRow> ROWS =
      MutableRow.TYPE.createSerializer(new SerializerConfigImpl());

  /** What the upstream emits for the next record, and what it does once the step returned. */
  private static final class Upstream {
    private final boolean reuse;
    private final boolean objectReuse;
    private final MutableRow reused = new MutableRow();

    Upstream(boolean reuse, boolean objectReuse) {
      this.reuse = reuse;
      this.objectReuse = objectReuse;
    }

    void send(AsyncStepHarness<MutableRow, String> h, String key, String order) throws Exception {
      MutableRow row = new MutableRow(key, order, 1);
      h.process(reuse ? reused.fill(row) : row);
      if (reuse) {
        reused.fill(new MutableRow("k-other", "changed by the upstream", 99));
      }
    }
  }

  /** What a scenario does to the step's harness, its lookup and its upstream. */
  @FunctionalInterface
  interface Script {
    void run(Scenario self, AsyncStepHarness<MutableRow, String> h, FakeLookup lookup, Upstream up)
        throws Exception;
  }

  /** A scenario: the step's options, the records sent and the lookups answered. */
  record Scenario(
      String name,
      boolean batches,
      UnaryOperator<Enrich.LookupStep<MutableRow, String, String, String>> options,
      Script script) {

    @Override
    public String toString() {
      return name;
    }
  }

  private static final Script ANSWERED_IN_REVERSE =
      (self, h, lookup, up) -> {
        up.send(h, "c1", "o1");
        up.send(h, "c2", "o2");
        up.send(h, "c1", "o3"); // shares c1's load
        up.send(h, "c3", "o4");
        lookup.call(2).reply("Cid");
        lookup.call(1).reply("Bea");
        lookup.call(0).reply("Anna");
        h.drain();
      };

  static List<Scenario> scenarios() {
    return List.of(
        new Scenario("ordered, answered in reverse", false, step -> step, ANSWERED_IN_REVERSE),
        new Scenario("unordered", false, step -> step.withUnorderedOutput(), ANSWERED_IN_REVERSE),
        new Scenario(
            "retried after a backoff",
            false,
            step -> step.withRetry(LookupRetry.attempts(3).withBackoff(ms(100), ms(100))),
            (self, h, lookup, up) -> {
              up.send(h, "c1", "o1");
              up.send(h, "c2", "o2");
              lookup.call(0).fail(new IOException("down"));
              lookup.call(1).fail(new IOException("down"));
              h.drain();
              up.send(h, "c3", "o3");
              h.advance(ms(100));
              for (FakeLookup.Call call : lookup.openCalls()) {
                call.reply("n-" + call.key());
              }
              h.drain();
            }),
        new Scenario(
            "failed into a dead letter",
            false,
            step -> step,
            (self, h, lookup, up) -> {
              up.send(h, "c1", "o1");
              up.send(h, "c2", "o2");
              lookup.call(1).reply("Bea");
              lookup.call(0).fail(new IOException("connection refused"));
              h.drain();
            }),
        new Scenario(
            "micro-batched",
            true,
            step -> step.withMicroBatch(10, ms(5)),
            (self, h, lookup, up) -> {
              up.send(h, "c1", "o1");
              up.send(h, "c2", "o2");
              up.send(h, "c3", "o3");
              h.advance(ms(5));
              lookup.put("c1", "Anna").put("c2", "Bea");
              lookup.call(0).replyFromTable();
              h.drain();
            }),
        new Scenario(
            "answered from the cache",
            false,
            step -> step.withCache(LookupCache.maxEntries(100)),
            (self, h, lookup, up) -> {
              up.send(h, "c1", "o1");
              lookup.call(0).reply("Anna");
              h.drain();
              up.send(h, "c1", "o2"); // the shortcut: no queue
              up.send(h, "c2", "o3"); // a load: queued
              up.send(h, "c1", "o4"); // behind it: queued, answered from the cache
              lookup.call(1).reply("Bea");
              h.drain();
            }),
        new Scenario(
            "in flight at a checkpoint",
            false,
            step -> step,
            (self, h, lookup, up) -> {
              up.send(h, "c1", "o1");
              up.send(h, "c2", "o2");
              up.send(h, "c1", "o3");
              lookup.call(1).reply("Bea"); // answered, held behind o1
              h.drain();
              OperatorSubtaskState snapshot = h.snapshot(1L);
              FakeLookup after = FakeLookup.manual().answeringFromTable().put("c1", "Anna");
              AsyncStepHarness<MutableRow, String> restored =
                  new AsyncStepHarness<>(self.options().apply(step(after)), ROWS);
              if (up.objectReuse) {
                restored.withObjectReuse();
              }
              restored.restore(snapshot);
              restored.drain();
              h.harness.getOutput().addAll(restored.harness.getOutput());
            }));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void reusedInputObjects_changeNothingTheStepEmits(Scenario scenario) throws Exception {
    List<String> fresh = results(scenario, false, false);

    assertThat(results(scenario, true, true)).isEqualTo(fresh).isNotEmpty();
    // The scenario keeps records past the call: an operator that did not copy them (as the async
    // operator does not without object reuse, when Flink never hands over a reused object) would
    // emit what the upstream changed them into.
    assertThat(results(scenario, true, false)).isNotEqualTo(fresh);
  }

  /**
   * What the step emits in the scenario, its records sent as one reused object or as fresh ones,
   * with Flink's object reuse on or off.
   */
  private static List<String> results(Scenario scenario, boolean reusedObject, boolean objectReuse)
      throws Exception {
    FakeLookup lookup = scenario.batches() ? FakeLookup.manualBatch() : FakeLookup.manual();
    AsyncStepHarness<MutableRow, String> h =
        new AsyncStepHarness<>(scenario.options().apply(step(lookup)), ROWS);
    if (objectReuse) {
      h.withObjectReuse();
    }
    h.open();
    scenario.script().run(scenario, h, lookup, new Upstream(reusedObject, objectReuse));
    List<String> results = new ArrayList<>();
    for (Either<String, DeadLetter> e : h.results()) {
      results.add(
          e.isLeft() ? e.left() : "DL " + e.right().errorClass() + " " + e.right().payloadAsText());
    }
    return results;
  }

  /** Records are rows keyed by customer; outputs {@code row=value/STATUS}. */
  private static Enrich.LookupStep<MutableRow, String, String, String> step(FakeLookup lookup) {
    return Enrich.lookup(
            "customer",
            (MutableRow row) -> row.key,
            lookup,
            (MutableRow row, String customer, LookupStatus status) ->
                row + "=" + customer + "/" + status,
            Types.STRING)
        .withRetry(LookupRetry.none());
  }

  private static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }
}
