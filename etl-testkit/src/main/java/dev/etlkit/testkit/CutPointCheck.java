package dev.etlkit.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.TreeSet;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Experimental;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;

/**
 * Checks that an operator's output does not change when the job fails and restores: the
 * exactly-once promise, one snapshot at a time.
 *
 * <p>{@link #verify()} first runs the script without interruption. Then it runs it again, taking a
 * snapshot before every cut point {@code i} (before step {@code i}, for {@code i} in {@code 0..n});
 * for each cut point it restores that snapshot into a fresh operator in a fresh harness (with both
 * clocks where they stood, as after a real failover), runs steps {@code i..n-1}, and asserts that
 * the output before the cut followed by the output after the restore equals the uninterrupted
 * output, record for record, main and side outputs in emission order. An operator that keeps
 * anything in a plain field instead of Flink state fails here.
 *
 * <pre>{@code
 * CutPointCheck.of(SampleCounter.harness().on(backend), SCRIPT).verify();
 * }</pre>
 *
 * <p>Two things a restore changes in Flink itself, which the check therefore reports:
 *
 * <ul>
 *   <li>The restored operator has seen no watermark until the next one arrives (the watermark is
 *       not part of a snapshot). An operator that decides lateness from the current watermark
 *       decides differently right after a restore unless it keeps what it needs in state. A
 *       two-input operator ({@link KeyedHarness#forTwoInputStream}) restarts each input at {@code
 *       Long.MIN_VALUE} and active: after a restore its watermark stays back until both inputs have
 *       had a watermark again (or one is idle), as after a failover of a job whose lagging input
 *       emits nothing yet.
 *   <li>Timers of different keys with the same timestamp fire in an order that depends on how the
 *       timer queue was built, which a restore (and a backend switch) changes. Their outputs are
 *       still in order per key, which is all a keyed stream guarantees downstream; {@link
 *       #withPerKeyOrder()} compares per key.
 * </ul>
 *
 * <p>The check compares what the script makes the operator emit, no more: timers still pending when
 * the script ends never fire, so what they would emit (and a timer lost at a restore) goes
 * unchecked. End the script past them, as a bounded job's end of input does: {@link
 * #withEndOfInput()} for event-time timers and what an operator flushes at the end of its input,
 * {@code advanceProcessingTime} steps for processing-time ones. Watermarks the operator forwards
 * are not compared either.
 *
 * <p>An uninterrupted run that emits nothing leaves nothing to compare: every cut point would match
 * it. {@link #verify()} refuses it, saying so, unless {@link #withEmptyOutputExpected()} declares
 * that the operator must emit nothing; the check then asserts that, and that no restore emits
 * anything either.
 *
 * <p>Snapshots are checkpoints when restoring on the same backend and canonical savepoints when
 * {@link #restoringOn} names another or {@link #restoringOnForSt} moves the state to ForSt. Every
 * cut point costs one harness restore (about 0.2 s on RocksDB): sample long scripts with {@link
 * #withSampledCutPoints}.
 *
 * @param <I> input type
 * @param <O> main output type
 */
@PublicEvolving
public final class CutPointCheck<I, O> {

  private final KeyedHarness<?, I, O> harness;
  private final HarnessInput<I> input;

  /**
   * The recipe {@link #restoringOn} or {@link #restoringOnForSt} restores on; null restores on the
   * recipe's own backend.
   */
  @Nullable private final KeyedHarness<?, I, O> restoring;

  private final int sampleSize;
  private final long sampleSeed;
  private final boolean perKeyOrder;
  private final boolean emptyOutputExpected;

  private CutPointCheck(
      KeyedHarness<?, I, O> harness,
      HarnessInput<I> input,
      @Nullable KeyedHarness<?, I, O> restoring,
      int sampleSize,
      long sampleSeed,
      boolean perKeyOrder,
      boolean emptyOutputExpected) {
    this.harness = harness;
    this.input = input;
    this.restoring = restoring;
    this.sampleSize = sampleSize;
    this.sampleSeed = sampleSeed;
    this.perKeyOrder = perKeyOrder;
    this.emptyOutputExpected = emptyOutputExpected;
  }

  /**
   * Checks every cut point of the script, restoring on the harness's own backend, comparing the
   * output in emission order.
   *
   * @param harness the operator under test and its backend
   * @param input the script; its cut points are {@code 0..input.size()}
   */
  public static <I, O> CutPointCheck<I, O> of(
      KeyedHarness<?, I, O> harness, HarnessInput<I> input) {
    Objects.requireNonNull(harness, "harness");
    Objects.requireNonNull(input, "input");
    return new CutPointCheck<>(harness, input, null, -1, 0L, false, false);
  }

  /**
   * Checks only {@code count} cut points: the first ({@code 0}), the last ({@code n}) and others
   * drawn with the seed. The same seed always picks the same cut points. A second call replaces
   * both values.
   */
  public CutPointCheck<I, O> withSampledCutPoints(int count, long seed) {
    if (count < 2) {
      throw new IllegalArgumentException("count must be >= 2 (first and last), was " + count);
    }
    return new CutPointCheck<>(
        harness, input, restoring, count, seed, perKeyOrder, emptyOutputExpected);
  }

  /**
   * Restores on the given backend (default: the harness's own). Naming the other backend checks
   * that state survives a heap to RocksDB (or RocksDB to heap) switch through a savepoint. A recipe
   * on ForSt ({@link KeyedHarness#onForSt}) restores on ForSt only: ForSt takes no canonical
   * savepoints, so {@link #verify()} refuses a backend named for it. One restore backend at a time:
   * a second call replaces the backend, as does {@link #restoringOnForSt}, and the other way round
   * (the last call counts).
   */
  public CutPointCheck<I, O> restoringOn(StateBackendKind backend) {
    return new CutPointCheck<>(
        harness,
        input,
        harness.on(Objects.requireNonNull(backend, "backend")),
        sampleSize,
        sampleSeed,
        perKeyOrder,
        emptyOutputExpected);
  }

  /**
   * Restores on Flink's ForSt state backend with the given options (see {@link
   * KeyedHarness#onForSt}), from canonical savepoints of the heap or RocksDB: checks that state
   * moves to ForSt, as a job moving to {@code state.backend.type: forst} moves it. ForSt restores
   * them only with its timers on the heap ({@code state.backend.forst.timer-service.factory:
   * HEAP}). Replaces {@link #restoringOn} and an earlier call, and is replaced by a later one (the
   * last call counts).
   */
  @Experimental
  public CutPointCheck<I, O> restoringOnForSt(Configuration options) {
    return new CutPointCheck<>(
        harness,
        input,
        harness.onForSt(options),
        sampleSize,
        sampleSeed,
        perKeyOrder,
        emptyOutputExpected);
  }

  /**
   * Ends the script as a bounded job's end of input does: the watermark {@code Long.MAX_VALUE}, so
   * that every event-time timer still pending fires in the uninterrupted run and after every
   * restore, then {@link OperatorHarness#endInput()}, so that an operator that flushes what it
   * holds at the end ({@code BoundedOneInput}) does; what they emit is compared too: a timer or a
   * buffer lost at a restore then changes the output. Adds two cut points, after the watermark and
   * after the end of input. Calling it again changes nothing: the script is ended once.
   */
  public CutPointCheck<I, O> withEndOfInput() {
    List<HarnessInput.Step<I>> steps = input.steps();
    int n = steps.size();
    if (n >= 2
        && steps.get(n - 2).equals(new HarnessInput.Watermark<I>(Long.MAX_VALUE))
        && steps.get(n - 1) instanceof HarnessInput.EndOfInput) {
      return this; // ended already
    }
    HarnessInput<I> ended =
        HarnessInput.<I>builder().addAll(input).watermark(Long.MAX_VALUE).endOfInput().build();
    return new CutPointCheck<>(
        harness, ended, restoring, sampleSize, sampleSeed, perKeyOrder, emptyOutputExpected);
  }

  /**
   * Compares the output per key (the key being processed when a record was emitted): each key's
   * records must be equal and in the same order, while records of different keys may interleave
   * differently. Use it for operators with timers that can fire at the same time for several keys.
   */
  public CutPointCheck<I, O> withPerKeyOrder() {
    return new CutPointCheck<>(
        harness, input, restoring, sampleSize, sampleSeed, true, emptyOutputExpected);
  }

  /**
   * Declares that the operator emits nothing for this script (say, a filter fed only records it
   * drops): {@link #verify()} then asserts that the uninterrupted run emits nothing, and that no
   * restore does either, instead of refusing the empty output as one that shows no difference.
   */
  public CutPointCheck<I, O> withEmptyOutputExpected() {
    return new CutPointCheck<>(
        harness, input, restoring, sampleSize, sampleSeed, perKeyOrder, true);
  }

  /** The cut points {@link #verify()} checks, ascending. */
  public List<Integer> cutPoints() {
    return cutPoints(input.size(), sampleSize, sampleSeed);
  }

  /**
   * Cut points {@code 0..n}: all of them when {@code sampleSize} is negative or covers them, else
   * {@code 0}, {@code n} and others drawn with the seed, ascending.
   */
  static List<Integer> cutPoints(int n, int sampleSize, long sampleSeed) {
    if (sampleSize < 0 || sampleSize >= n + 1) {
      List<Integer> all = new ArrayList<>(n + 1);
      for (int i = 0; i <= n; i++) {
        all.add(i);
      }
      return all;
    }
    TreeSet<Integer> chosen = new TreeSet<>(List.of(0, n));
    Random random = new Random(sampleSeed);
    while (chosen.size() < sampleSize) {
      chosen.add(random.nextInt(n + 1));
    }
    return new ArrayList<>(chosen);
  }

  /**
   * Runs the check.
   *
   * @throws AssertionError naming the first failing cut point, the step before it and the first
   *     record that differs, or wrapping the exception a restore or a step threw; or, before any
   *     restore, if the uninterrupted run emitted nothing (nothing to compare) and {@link
   *     #withEmptyOutputExpected()} was not given, or emitted something and it was
   */
  public void verify() {
    boolean switching = switching();
    RecordedOutput expected = RecordedOutput.uninterrupted(harness, input);
    expected.checkReference(
        emptyOutputExpected,
        harness.backendName(),
        "end it past the timers it has pending: withEndOfInput(), advanceProcessingTime steps");
    List<Integer> cuts = cutPoints();
    List<Cut> snapshots = new ArrayList<>(cuts.size());
    RecordedOutput withSnapshots;
    try (OperatorHarness<I, O> h = harness.open()) {
      int next = 0;
      for (int i = 0; i <= input.size(); i++) {
        if (next < cuts.size() && cuts.get(next) == i) {
          OperatorSubtaskState state = switching ? h.savepoint() : h.snapshot();
          snapshots.add(
              new Cut(i, state, h.emitted().size(), h.processingTime(), h.stateTtlTime()));
          next++;
        }
        if (i < input.size()) {
          input.steps().get(i).applyTo(h);
        }
      }
      withSnapshots = RecordedOutput.of(h);
    } catch (Exception e) {
      throw new AssertionError("Run taking snapshots failed on " + harness.backendName(), e);
    }
    String difference =
        RecordedOutput.firstDifference(expected, withSnapshots, perKeyOrder, "with snapshots");
    if (difference != null) {
      throw new AssertionError(
          "Taking snapshots (without restoring) changed the output on "
              + harness.backendName()
              + ": "
              + difference);
    }
    KeyedHarness<?, I, O> restoring = switching ? this.restoring : harness;
    for (Cut cut : snapshots) {
      RecordedOutput actual = withSnapshots.prefix(cut.emittedBefore);
      try (OperatorHarness<I, O> h =
          restoring.open(cut.state, cut.processingTime, cut.stateTtlTime)) {
        h.run(input.slice(cut.index, input.size()));
        actual = actual.append(RecordedOutput.of(h));
      } catch (Exception e) {
        throw new AssertionError(describe(cut) + " failed with an exception", e);
      }
      difference = RecordedOutput.firstDifference(expected, actual, perKeyOrder, "with restore");
      if (difference != null) {
        throw new AssertionError(describe(cut) + " changed the output: " + difference);
      }
    }
  }

  /**
   * Whether the restores switch backends, through canonical savepoints.
   *
   * @throws IllegalStateException when a backend is named for a recipe on ForSt
   */
  private boolean switching() {
    return harness.switchesTo(restoring);
  }

  private String describe(Cut cut) {
    String where =
        cut.index == 0
            ? "before the first step"
            : "after step " + (cut.index - 1) + " = " + input.steps().get(cut.index - 1);
    String how =
        switching()
            ? "savepoint taken on "
                + harness.backendName()
                + ", restored on "
                + Objects.requireNonNull(restoring).backendName()
            : "checkpoint restored on " + harness.backendName();
    if (harness.stateChangelog()) {
      how += " under the state changelog";
    }
    return "Restore at cut point "
        + cut.index
        + " of 0.."
        + input.size()
        + " ("
        + where
        + "; "
        + how
        + ")";
  }

  private record Cut(
      int index,
      OperatorSubtaskState state,
      int emittedBefore,
      long processingTime,
      long stateTtlTime) {}
}
