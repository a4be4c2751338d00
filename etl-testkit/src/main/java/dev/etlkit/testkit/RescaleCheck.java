package dev.etlkit.testkit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;

/**
 * Checks that a keyed operator's output does not change when the job is restored from a checkpoint
 * or savepoint with another parallelism: each key's state must reach the subtask that owns the
 * key's group afterwards, with nothing of it left in a plain field or in operator state that Flink
 * redistributes differently.
 *
 * <p>{@link #verify()} first runs the script at parallelism 1 without interruption. Then it runs it
 * on {@code from} subtasks, each element going to the subtask Flink's {@code keyBy} routes it to
 * and every watermark and processing-time advance to all of them (as each subtask of a keyed stream
 * receives them), snapshotting all subtasks before every cut point. For each cut point it merges
 * the subtasks' snapshots and splits them by key group over {@code to} fresh subtasks (Flink's own
 * repartitioning), runs the rest of the script on those, and asserts that each key's records (what
 * the old subtasks emitted before the cut, then what the new ones emitted) equal that key's records
 * in the uninterrupted run, in order. Records of different keys may interleave in any way across
 * subtasks; records emitted with no key being processed are compared in any order, as one
 * collection (so output an operator emits once per subtask, such as a record per watermark, differs
 * with the number of subtasks and fails the check, reported under key {@code null}).
 *
 * <p>An uninterrupted run that emits nothing leaves nothing to compare: every rescale would match
 * it. {@link #verify()} refuses it, saying so, unless {@link #withEmptyOutputExpected()} declares
 * that the operator must emit nothing; the check then asserts that, and that no subtask emits
 * anything either.
 *
 * <p>A rescale shows something only when a key's state reaches another subtask than the one that
 * wrote it. {@link #verify()} refuses parallelisms at which every key of the script's elements
 * stays on the subtask index it had (as keys of key group 0 always do, and keys {@code k1} and
 * {@code k2} of 128 key groups do from 2 to 3 subtasks), naming them, where each key stays, and
 * parallelisms up to 8 that move one.
 *
 * <pre>{@code
 * RescaleCheck.of(SampleCounter.harness().on(backend), SCRIPT).rescaling(2, 3).verify();
 * }</pre>
 *
 * <p>Each cut point costs {@code to} harness restores (about 0.2 s each on RocksDB): sample long
 * scripts with {@link #withSampledCutPoints}. Snapshots are checkpoints when restoring on the same
 * backend and canonical savepoints when {@link #restoringOn} names another.
 *
 * @param <I> input type
 * @param <O> main output type
 */
@PublicEvolving
public final class RescaleCheck<I, O> {

  /** Keys named in the refusal of parallelisms that move none. */
  private static final int MAX_KEYS_SHOWN = 6;

  /** Parallelisms suggested in that refusal, and the largest one tried. */
  private static final int MAX_SUGGESTIONS = 3;

  private static final int MAX_SUGGESTED_PARALLELISM = 8;

  private final KeyedHarness<?, I, O> harness;
  private final HarnessInput<I> input;
  private final int from;
  private final int to;

  /** The backend {@link #restoringOn} named; null restores on the recipe's own backend. */
  @Nullable private final StateBackendKind restoreBackend;

  private final int sampleSize;
  private final long sampleSeed;
  private final boolean emptyOutputExpected;

  private RescaleCheck(
      KeyedHarness<?, I, O> harness,
      HarnessInput<I> input,
      int from,
      int to,
      @Nullable StateBackendKind restoreBackend,
      int sampleSize,
      long sampleSeed,
      boolean emptyOutputExpected) {
    this.harness = harness;
    this.input = input;
    this.from = from;
    this.to = to;
    this.restoreBackend = restoreBackend;
    this.sampleSize = sampleSize;
    this.sampleSeed = sampleSeed;
    this.emptyOutputExpected = emptyOutputExpected;
  }

  /**
   * Checks every cut point of the script, rescaling from 2 to 3 subtasks (new subtask 1 takes key
   * groups of both old ones, and the others of one each) on the harness's own backend.
   *
   * @param harness the operator under test, its key and its backend
   * @param input the script; its cut points are {@code 0..input.size()}
   */
  public static <I, O> RescaleCheck<I, O> of(KeyedHarness<?, I, O> harness, HarnessInput<I> input) {
    Objects.requireNonNull(harness, "harness");
    Objects.requireNonNull(input, "input");
    return new RescaleCheck<>(harness, input, 2, 3, null, -1, 0L, false);
  }

  /**
   * Runs the script before each cut on {@code fromParallelism} subtasks and after it on {@code
   * toParallelism} (default 2 and 3). Both must be in {@code 1..maxParallelism} of the harness and
   * differ, and {@link #verify()} refuses them if no key of the script moves to another subtask
   * between them.
   */
  public RescaleCheck<I, O> rescaling(int fromParallelism, int toParallelism) {
    checkParallelism("fromParallelism", fromParallelism);
    checkParallelism("toParallelism", toParallelism);
    if (fromParallelism == toParallelism) {
      throw new IllegalArgumentException(
          "fromParallelism and toParallelism must differ, both were " + fromParallelism);
    }
    return new RescaleCheck<>(
        harness,
        input,
        fromParallelism,
        toParallelism,
        restoreBackend,
        sampleSize,
        sampleSeed,
        emptyOutputExpected);
  }

  /**
   * Checks only {@code count} cut points: the first ({@code 0}), the last ({@code n}) and others
   * drawn with the seed. The same seed always picks the same cut points. A second call replaces
   * both values.
   */
  public RescaleCheck<I, O> withSampledCutPoints(int count, long seed) {
    if (count < 2) {
      throw new IllegalArgumentException("count must be >= 2 (first and last), was " + count);
    }
    return new RescaleCheck<>(
        harness, input, from, to, restoreBackend, count, seed, emptyOutputExpected);
  }

  /**
   * Restores on the given backend (default: the harness's own), from canonical savepoints: a
   * rescale and a backend switch in one restore. A recipe on ForSt ({@link KeyedHarness#onForSt})
   * restores on ForSt only: ForSt takes no canonical savepoints, so {@link #verify()} refuses a
   * backend named for it. A second call replaces the backend.
   */
  public RescaleCheck<I, O> restoringOn(StateBackendKind backend) {
    return new RescaleCheck<>(
        harness,
        input,
        from,
        to,
        Objects.requireNonNull(backend, "backend"),
        sampleSize,
        sampleSeed,
        emptyOutputExpected);
  }

  /**
   * Declares that the operator emits nothing for this script: {@link #verify()} then asserts that
   * the uninterrupted run emits nothing, and that no subtask does before or after a rescale either,
   * instead of refusing the empty output as one that shows no difference.
   */
  public RescaleCheck<I, O> withEmptyOutputExpected() {
    return new RescaleCheck<>(
        harness, input, from, to, restoreBackend, sampleSize, sampleSeed, true);
  }

  /** The cut points {@link #verify()} checks, ascending. */
  public List<Integer> cutPoints() {
    return CutPointCheck.cutPoints(input.size(), sampleSize, sampleSeed);
  }

  /**
   * Runs the check.
   *
   * @throws AssertionError naming the first failing cut point, the step before it and the first
   *     record of a key that differs, or wrapping the exception a restore or a step threw; or,
   *     before any rescale, if the uninterrupted run emitted nothing (nothing to compare) and
   *     {@link #withEmptyOutputExpected()} was not given, or emitted something and it was, or if no
   *     key of the script moves to another subtask from {@code from} to {@code to} subtasks
   */
  public void verify() {
    boolean switching = switching();
    RecordedOutput expected = RecordedOutput.uninterrupted(harness, input);
    expected.checkReference(
        emptyOutputExpected,
        harness.backendName(),
        "end it past the timers it has pending with watermark and advanceProcessingTime steps");
    List<Integer> cuts = cutPoints();
    List<Cut> snapshots = new ArrayList<>(cuts.size());
    List<OperatorHarness<I, O>> old = new ArrayList<>(from);
    List<RecordedOutput> oldOutputs = new ArrayList<>(from);
    Throwable failure = null;
    try {
      for (int s = 0; s < from; s++) {
        old.add(harness.open(null, 0L, 0L, from, s));
      }
      int next = 0;
      for (int i = 0; i <= input.size(); i++) {
        if (next < cuts.size() && cuts.get(next) == i) {
          snapshots.add(cut(i, old, switching));
          next++;
        }
        if (i < input.size()) {
          apply(input.steps().get(i), old);
        }
      }
      for (OperatorHarness<I, O> h : old) {
        oldOutputs.add(RecordedOutput.of(h));
      }
    } catch (Exception e) {
      failure =
          new AssertionError(
              "Run on " + from + " subtasks taking snapshots failed on " + harness.backendName(),
              e);
      throw (AssertionError) failure;
    } catch (Error e) {
      failure = e;
      throw e;
    } finally {
      closeAll(old, failure);
    }
    String difference =
        RecordedOutput.firstDifferenceAcrossSubtasks(
            expected, concat(oldOutputs), "on " + from + " subtasks");
    if (difference != null) {
      throw new AssertionError(
          "Running on "
              + from
              + " subtasks (without rescaling) changed the output on "
              + harness.backendName()
              + ": "
              + difference);
    }
    checkSomeKeyMoves();
    KeyedHarness<?, I, O> restoring = switching ? harness.on(restoreBackend) : harness;
    for (Cut cut : snapshots) {
      List<RecordedOutput> before = new ArrayList<>(from);
      for (int s = 0; s < from; s++) {
        before.add(oldOutputs.get(s).prefix(cut.emittedBefore[s]));
      }
      RecordedOutput actual = concat(before);
      List<OperatorHarness<I, O>> rescaled = new ArrayList<>(to);
      Throwable rescaleFailure = null;
      try {
        for (int s = 0; s < to; s++) {
          rescaled.add(
              restoring.restoreSubtask(
                  List.of(cut.states), to, s, cut.processingTime, cut.stateTtlTime));
        }
        for (HarnessInput.Step<I> step : input.slice(cut.index, input.size()).steps()) {
          apply(step, rescaled);
        }
        for (OperatorHarness<I, O> h : rescaled) {
          actual = actual.append(RecordedOutput.of(h));
        }
      } catch (Exception e) {
        rescaleFailure = new AssertionError(describe(cut) + " failed with an exception", e);
        throw (AssertionError) rescaleFailure;
      } catch (Error e) {
        rescaleFailure = e;
        throw e;
      } finally {
        closeAll(rescaled, rescaleFailure);
      }
      difference = RecordedOutput.firstDifferenceAcrossSubtasks(expected, actual, "rescaled");
      if (difference != null) {
        throw new AssertionError(describe(cut) + " changed the output: " + difference);
      }
    }
  }

  /**
   * Refuses parallelisms at which every key of the script stays on the subtask index it had: each
   * key's state is then read by the subtask that wrote it, as in a restore without rescaling.
   *
   * @throws AssertionError naming the parallelisms, where the keys stay and parallelisms that move
   *     one
   */
  private void checkSomeKeyMoves() {
    // each key of the script with its subtask before the rescale, in order of first element
    Map<Object, Integer> keys = new LinkedHashMap<>();
    for (HarnessInput.Step<I> step : input.steps()) {
      if (step instanceof HarnessInput.Element<I> element) {
        Object key;
        try {
          key = harness.keyOf(element.value());
        } catch (Exception e) {
          // the run on `from` subtasks routed every element, so its key selector did not throw
          throw new IllegalStateException("the key selector failed on " + element.value(), e);
        }
        keys.computeIfAbsent(key, k -> subtask(k, from));
      }
    }
    if (moves(keys.keySet(), from, to)) {
      return;
    }
    StringBuilder stay = new StringBuilder();
    int shown = 0;
    for (Map.Entry<Object, Integer> key : keys.entrySet()) {
      if (shown == MAX_KEYS_SHOWN) {
        stay.append(", ...");
        break;
      }
      stay.append(shown++ == 0 ? "" : ", ")
          .append(key.getKey())
          .append(" on ")
          .append(key.getValue());
    }
    List<String> others = new ArrayList<>();
    int most = Math.min(harness.maxParallelism(), MAX_SUGGESTED_PARALLELISM);
    for (int sum = 3; sum <= 2 * most && others.size() < MAX_SUGGESTIONS; sum++) {
      for (int f = Math.max(1, sum - most); f <= Math.min(most, sum - 1); f++) {
        int t = sum - f;
        if (f != t && others.size() < MAX_SUGGESTIONS && moves(keys.keySet(), f, t)) {
          others.add("rescaling(" + f + ", " + t + ")");
        }
      }
    }
    throw new AssertionError(
        "No key of the script moves to another subtask from "
            + from
            + " to "
            + to
            + " subtasks (maxParallelism "
            + harness.maxParallelism()
            + "): "
            + (keys.isEmpty()
                ? "it has no elements"
                : "each of its "
                    + keys.size()
                    + (keys.size() == 1 ? " key" : " keys")
                    + " stays on the subtask it was on ("
                    + stay
                    + ")")
            + ", so every key's state is read by the subtask that wrote it and the rescale is not"
            + " exercised. "
            + (others.isEmpty()
                ? "No parallelisms up to " + most + " move one: give"
                : "Rescale between parallelisms that move one, such as "
                    + String.join(", ", others)
                    + ", or give")
            + " the script elements of more keys");
  }

  private boolean moves(Iterable<Object> keys, int fromParallelism, int toParallelism) {
    for (Object key : keys) {
      if (subtask(key, fromParallelism) != subtask(key, toParallelism)) {
        return true;
      }
    }
    return false;
  }

  private int subtask(Object key, int parallelism) {
    return KeyGroupRangeAssignment.assignKeyToParallelOperator(
        key, harness.maxParallelism(), parallelism);
  }

  private Cut cut(int index, List<OperatorHarness<I, O>> subtasks, boolean savepoint)
      throws Exception {
    OperatorSubtaskState[] states = new OperatorSubtaskState[subtasks.size()];
    int[] emittedBefore = new int[subtasks.size()];
    for (int s = 0; s < states.length; s++) {
      OperatorHarness<I, O> h = subtasks.get(s);
      states[s] = savepoint ? h.savepoint() : h.snapshot();
      emittedBefore[s] = h.emitted().size();
    }
    // Every subtask saw every clock step: subtask 0's clocks are all of theirs.
    OperatorHarness<I, O> first = subtasks.get(0);
    return new Cut(index, states, emittedBefore, first.processingTime(), first.stateTtlTime());
  }

  /** An element to the subtask its key is routed to; anything else to every subtask. */
  private void apply(HarnessInput.Step<I> step, List<OperatorHarness<I, O>> subtasks)
      throws Exception {
    if (step instanceof HarnessInput.Element<I> element) {
      step.applyTo(subtasks.get(harness.subtaskOf(element.value(), subtasks.size())));
    } else {
      for (OperatorHarness<I, O> h : subtasks) {
        step.applyTo(h);
      }
    }
  }

  /** Subtasks' outputs one after another (only per-key order is compared). */
  private static RecordedOutput concat(List<RecordedOutput> outputs) {
    RecordedOutput all = RecordedOutput.empty();
    for (RecordedOutput output : outputs) {
      all = all.append(output);
    }
    return all;
  }

  private void checkParallelism(String name, int parallelism) {
    if (parallelism < 1 || parallelism > harness.maxParallelism()) {
      throw new IllegalArgumentException(
          name + " must be in 1.." + harness.maxParallelism() + ", was " + parallelism);
    }
  }

  /**
   * Whether the restores switch backends, through canonical savepoints.
   *
   * @throws IllegalStateException when a backend is named for a recipe on ForSt
   */
  private boolean switching() {
    return harness.switchesTo(restoreBackend == null ? null : harness.on(restoreBackend));
  }

  private String describe(Cut cut) {
    String where =
        cut.index == 0
            ? "before the first step"
            : "after step " + (cut.index - 1) + " = " + input.steps().get(cut.index - 1);
    String how =
        !switching()
            ? "checkpoints of "
                + from
                + " subtasks restored on "
                + to
                + " on "
                + harness.backendName()
            : "savepoints of "
                + from
                + " subtasks on "
                + harness.backendName()
                + " restored on "
                + to
                + " on "
                + restoreBackend;
    if (harness.stateChangelog()) {
      how += " under the state changelog";
    }
    return "Rescale at cut point "
        + cut.index
        + " of 0.."
        + input.size()
        + " ("
        + where
        + "; "
        + how
        + ")";
  }

  /**
   * Closes every harness, even when one fails to close. With a {@code primary} failure on its way
   * out, failures to close are added to it as suppressed, so they never hide it; else the first is
   * thrown.
   */
  private static void closeAll(
      List<? extends OperatorHarness<?, ?>> harnesses, @Nullable Throwable primary) {
    RuntimeException failure = null;
    for (OperatorHarness<?, ?> h : harnesses) {
      try {
        h.close();
      } catch (RuntimeException e) {
        if (primary != null) {
          primary.addSuppressed(e);
        } else if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private record Cut(
      int index,
      OperatorSubtaskState[] states,
      int[] emittedBefore,
      long processingTime,
      long stateTtlTime) {}
}
