package dev.etlkit.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiPredicate;
import java.util.function.UnaryOperator;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;

/**
 * Checks that an operator is correct with Flink's object reuse on ({@code pipeline.object-reuse}),
 * behind an upstream that emits one object over and over, changing it for every record.
 *
 * <p>With object reuse, Flink hands a chained operator the very object its upstream emitted, and
 * the upstream may change that object and emit it again (Flink's deserializers and many functions
 * reuse their output objects). The heap state backend keeps the objects given to {@code update},
 * {@code put} and {@code add}, not copies. An operator that keeps an input, or an object reachable
 * from it, past the call (in heap state, a field, a buffer) must copy it when object reuse is on,
 * as Flink's own operators do; otherwise what it kept changes under it.
 *
 * <p>{@link #verify()} runs the script twice on the recipe's backend: once with object reuse off
 * and every element a fresh object, as the script holds it; once with object reuse on ({@link
 * KeyedHarness#withObjectReuse()}), each element handed over through {@code refill}, which makes
 * the upstream's reused object hold the element's contents and returns the record to hand over, and
 * right after the operator returns, the reused object is refilled with another element of the
 * script, as the upstream does when it reads its next record. It asserts that both runs emit the
 * same records; then it snapshots both, restores each into a fresh operator (clocks where they
 * stood) and runs the script once more on fresh objects, so that what each kept in state is read
 * again, and asserts that the two emit the same records again.
 *
 * <pre>{@code
 * ObjectReuseCheck.of(recipe.on(StateBackendKind.HEAP), script, upstream::refill).verify();
 * }</pre>
 *
 * <p>Run it on the {@link StateBackendKind#HEAP heap}: RocksDB serializes every write, so it passes
 * there whatever the operator keeps (a sanity case).
 *
 * @param <I> input type
 * @param <O> main output type
 */
@PublicEvolving
public final class ObjectReuseCheck<I, O> {

  private static final String FRESH = "fresh objects";
  private static final String REUSED = "reused objects";

  private final KeyedHarness<?, I, O> harness;
  private final HarnessInput<I> input;
  private final UnaryOperator<I> refill;

  private ObjectReuseCheck(
      KeyedHarness<?, I, O> harness, HarnessInput<I> input, UnaryOperator<I> refill) {
    this.harness = harness;
    this.input = input;
    this.refill = refill;
  }

  /**
   * A check of the operator of {@code harness} over {@code input}.
   *
   * @param harness the operator under test and its backend (its own object reuse setting is
   *     ignored: the check runs it with object reuse off and on)
   * @param input the script, every element a fresh object
   * @param refill makes the one object the upstream reuses hold what the given element holds, and
   *     returns the record to hand to the operator, which refers to that object (for a {@code
   *     Change<T>} input, a new {@code Change} around the reused {@code T}, as Flink's changelog
   *     deserializers make it); never returns its argument. {@link #verify()} refuses a refill that
   *     reuses nothing: if every record it returned still holds what its element holds after the
   *     next refill (a fresh copy each time), the check could not fail. Records are compared by
   *     their bytes under the input's serializer when the recipe has an input type ({@link
   *     KeyedHarness#withInputType}), else by {@code equals}: give the input type for a type that
   *     compares by identity (a POJO without {@code equals}), which the refusal cannot see
   *     otherwise
   */
  public static <I, O> ObjectReuseCheck<I, O> of(
      KeyedHarness<?, I, O> harness, HarnessInput<I> input, UnaryOperator<I> refill) {
    return new ObjectReuseCheck<>(
        Objects.requireNonNull(harness, "harness"),
        Objects.requireNonNull(input, "input"),
        Objects.requireNonNull(refill, "refill"));
  }

  /**
   * Runs the check.
   *
   * @throws AssertionError naming the run and the first record that differs, or wrapping the
   *     exception a run threw
   * @throws IllegalArgumentException if the script has no two elements that hold different things
   *     (compared as {@link #of} says), with which the check could not fail
   * @throws IllegalStateException if the operator changed the script's elements (as far as their
   *     text shows) and the recipe hands over the elements themselves (no {@link
   *     KeyedHarness#withInputType}): with object reuse off an operator owns its inputs and may
   *     change them, and the later runs would read the changes
   * @throws AssertionError wrapping an {@code IllegalArgumentException} if {@code refill} returned
   *     its argument, or reused no object (every record it returned still held what its element
   *     holds after the next refill, compared as {@link #of} says), which is also what a script
   *     shows whose elements differ only outside the reused object (the same {@code T} in changes
   *     of different kinds): then the check could not fail either
   */
  public void verify() {
    BiPredicate<I, I> sameContents = sameContents();
    if (!hasTwoDistinctElements(input.elements(), sameContents)) {
      throw new IllegalArgumentException(
          "the script needs at least two elements that are not equal: the check refills the"
              + " reused object with another element after each call, and with one value only it"
              + " could not see an operator keep its input");
    }
    KeyedHarness<?, I, O> fresh = harness.withObjectReuse(false);
    KeyedHarness<?, I, O> reusing = harness.withObjectReuse(true);
    // the recipe hands over the script's own objects unless it has an input type
    String script = harness.inputType().isPresent() ? null : input.toString();
    Run expected = run(fresh, false, sameContents);
    checkScriptUnchanged(script);
    Run actual = run(reusing, true, sameContents);
    String difference =
        RecordedOutput.firstDifference(expected.output, actual.output, FRESH, REUSED);
    if (difference != null) {
      throw new AssertionError(
          "Reused input objects (object reuse on) changed the output on "
              + harness.backendName()
              + ": "
              + difference);
    }
    RecordedOutput expectedAfter = restoreAndReplay(fresh, expected);
    checkScriptUnchanged(script);
    RecordedOutput actualAfter = restoreAndReplay(reusing, actual);
    difference = RecordedOutput.firstDifference(expectedAfter, actualAfter, FRESH, REUSED);
    if (difference != null) {
      throw new AssertionError(
          "Reused input objects (object reuse on) changed the state: after a restore of the"
              + " snapshot taken at the end, the script run again on fresh objects emits otherwise"
              + " on "
              + harness.backendName()
              + ": "
              + difference);
    }
  }

  /**
   * Fails if a run changed the script's elements (as far as their text shows), which the next run
   * would read: with object reuse off the operator owns its inputs and may change them.
   */
  private void checkScriptUnchanged(@Nullable String before) {
    if (before != null && !before.equals(input.toString())) {
      throw new IllegalStateException(
          "the operator changed its input objects, so each run of the script would see what the"
              + " runs before changed: give the recipe withInputType(...) so that it hands the"
              + " operator copies, as Flink does with object reuse off");
    }
  }

  private Run run(KeyedHarness<?, I, O> recipe, boolean reuse, BiPredicate<I, I> sameContents) {
    List<I> elements = input.elements();
    int element = 0;
    boolean reusedAnObject = false;
    try (OperatorHarness<I, O> h = recipe.open()) {
      for (HarnessInput.Step<I> step : input.steps()) {
        if (reuse && step instanceof HarnessInput.Element<I> e) {
          I record = handOver(e.value());
          new HarnessInput.Element<>(record, e.timestamp()).applyTo(h);
          // the upstream reads its next record into the object the operator was given
          handOver(other(elements, element, sameContents));
          reusedAnObject |= !sameContents.test(record, e.value());
          element++;
        } else {
          step.applyTo(h);
        }
      }
      if (reuse && !reusedAnObject) {
        throw new IllegalArgumentException(
            "refill reused no object: every record it returned still equalled its element after"
                + " the next refill, so the check could not see an operator keep its input (if"
                + " refill does reuse an object, the script's elements differ only outside the"
                + " object it reuses: give it elements that hold different values there)");
      }
      return new Run(RecordedOutput.of(h), h.snapshot(), h.processingTime(), h.stateTtlTime());
    } catch (Exception e) {
      throw new AssertionError(
          "Run with "
              + (reuse ? "reused" : "fresh")
              + " objects failed on "
              + harness.backendName(),
          e);
    }
  }

  /**
   * Whether a record holds what an element holds: their bytes under the input's serializer when the
   * recipe has an input type ({@link KeyedHarness#withInputType}), so that a type comparing by
   * identity is compared by its contents; else {@code equals}.
   */
  private BiPredicate<I, I> sameContents() {
    Optional<TypeInformation<I>> type = harness.inputType();
    if (type.isEmpty()) {
      return Object::equals;
    }
    TypeSerializer<I> serializer = type.get().createSerializer(new SerializerConfigImpl());
    return (a, b) -> Arrays.equals(bytes(serializer, a), bytes(serializer, b));
  }

  private static <T> byte[] bytes(TypeSerializer<T> serializer, T value) {
    DataOutputSerializer out = new DataOutputSerializer(64);
    try {
      serializer.serialize(value, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.getCopyOfBuffer();
  }

  private I handOver(I element) {
    I record = refill.apply(element);
    if (record == element) {
      throw new IllegalArgumentException(
          "refill returned the element itself: it must return the upstream's reused object");
    }
    return record;
  }

  private static <I> boolean hasTwoDistinctElements(
      List<I> elements, BiPredicate<I, I> sameContents) {
    for (I e : elements) {
      if (!sameContents.test(e, elements.get(0))) {
        return true;
      }
    }
    return false;
  }

  /** An element of the script other than the {@code i}th (the next one that is not equal). */
  private static <I> I other(List<I> elements, int i, BiPredicate<I, I> sameContents) {
    I current = elements.get(i);
    for (int j = 1; j < elements.size(); j++) {
      I candidate = elements.get((i + j) % elements.size());
      if (!sameContents.test(candidate, current)) {
        return candidate;
      }
    }
    return current;
  }

  private RecordedOutput restoreAndReplay(KeyedHarness<?, I, O> recipe, Run run) {
    try (OperatorHarness<I, O> h = recipe.open(run.state, run.processingTime, run.stateTtlTime)) {
      h.run(input);
      return RecordedOutput.of(h);
    } catch (Exception e) {
      throw new AssertionError("Restore and replay failed on " + harness.backendName(), e);
    }
  }

  private record Run(
      RecordedOutput output, OperatorSubtaskState state, long processingTime, long stateTtlTime) {}
}
