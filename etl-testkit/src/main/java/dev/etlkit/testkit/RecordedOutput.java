package dev.etlkit.testkit;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.annotation.Nullable;

/**
 * What a harness emitted, each record with the key being processed when it was emitted, and how two
 * such outputs are compared by the restore checks ({@link CutPointCheck}, {@link RescaleCheck}).
 */
record RecordedOutput(List<Emitted> records, List<Object> keys) {

  private static final String UNINTERRUPTED = "uninterrupted";

  static RecordedOutput of(OperatorHarness<?, ?> harness) {
    return new RecordedOutput(harness.emitted(), harness.emittedKeys());
  }

  /**
   * The output of the whole script on one fresh harness, at parallelism 1.
   *
   * @throws IllegalStateException if the operator changed the script's elements (as far as their
   *     text shows) and the recipe hands over the elements themselves: the later runs of a check
   *     would see the changes
   */
  static <I> RecordedOutput uninterrupted(KeyedHarness<?, I, ?> harness, HarnessInput<I> input) {
    String before = harness.inputType().isPresent() ? null : input.toString();
    RecordedOutput output;
    try (OperatorHarness<I, ?> h = harness.open()) {
      h.run(input);
      output = of(h);
    } catch (Exception e) {
      throw new AssertionError("Uninterrupted run failed on " + harness.backendName(), e);
    }
    if (before != null && !before.equals(input.toString())) {
      throw new IllegalStateException(
          "the operator changed its input objects, so each run of the script would see what the"
              + " runs before changed: give the recipe withInputType(...) so that it hands the"
              + " operator copies, as Flink does with object reuse off");
    }
    return output;
  }

  /**
   * Refuses a reference output that cannot show a difference: an empty one, unless {@code
   * emptyExpected}, when it must be empty.
   *
   * @param backendName the backend of the uninterrupted run, for the message
   * @param howToEmit what the script can add so that the operator emits, for the message
   * @throws AssertionError if the output is empty and not expected to be, or expected to be empty
   *     and is not
   */
  void checkReference(boolean emptyExpected, String backendName, String howToEmit) {
    if (emptyExpected && !records.isEmpty()) {
      throw new AssertionError(
          "withEmptyOutputExpected() was given, but the uninterrupted run on "
              + backendName
              + " emitted "
              + records.size()
              + (records.size() == 1 ? " record" : " records")
              + ", the first: "
              + records.get(0));
    }
    if (!emptyExpected && records.isEmpty()) {
      throw new AssertionError(
          "The uninterrupted run on "
              + backendName
              + " emitted nothing, so there was nothing to compare: every restore would have"
              + " matched. Give the script input the operator emits on ("
              + howToEmit
              + "), or, if the operator must emit nothing here, say so with"
              + " withEmptyOutputExpected(), and the check then asserts that no restore emits"
              + " anything either");
    }
  }

  static RecordedOutput empty() {
    return new RecordedOutput(List.of(), List.of());
  }

  RecordedOutput prefix(int size) {
    return new RecordedOutput(records.subList(0, size), keys.subList(0, size));
  }

  RecordedOutput append(RecordedOutput more) {
    List<Emitted> r = new ArrayList<>(records);
    r.addAll(more.records);
    List<Object> k = new ArrayList<>(keys);
    k.addAll(more.keys);
    return new RecordedOutput(r, k);
  }

  /**
   * Each key's records in emission order. With {@code keylessInAnyOrder}, records emitted with no
   * key being processed (gathered under {@code null}) are sorted by {@link Emitted#toString()}: no
   * order between them is defined once several subtasks emit them.
   */
  Map<Object, List<Emitted>> byKey(boolean keylessInAnyOrder) {
    Map<Object, List<Emitted>> byKey = new LinkedHashMap<>();
    for (int i = 0; i < records.size(); i++) {
      byKey.computeIfAbsent(keys.get(i), k -> new ArrayList<>()).add(records.get(i));
    }
    List<Emitted> keyless = byKey.get(null);
    if (keyless != null && keylessInAnyOrder) {
      keyless.sort(Comparator.comparing(Emitted::toString));
    }
    return byKey;
  }

  /**
   * The first difference between two outputs, described for an assertion message, or null when they
   * are equal: record for record in emission order, or per key when {@code perKeyOrder}.
   */
  @Nullable
  static String firstDifference(
      RecordedOutput expected, RecordedOutput actual, boolean perKeyOrder, String actualLabel) {
    if (!perKeyOrder) {
      return firstDifference(expected.records, actual.records, "", UNINTERRUPTED, actualLabel);
    }
    return firstDifferencePerKey(expected.byKey(false), actual.byKey(false), actualLabel);
  }

  /**
   * The first difference between two outputs in emission order, or null when they are equal, the
   * expected output named {@code expectedLabel} (in place of the uninterrupted run).
   */
  @Nullable
  static String firstDifference(
      RecordedOutput expected, RecordedOutput actual, String expectedLabel, String actualLabel) {
    return firstDifference(expected.records, actual.records, "", expectedLabel, actualLabel);
  }

  /**
   * The first difference between two outputs compared per key, records without a key in any order
   * (the comparison of outputs of several subtasks), or null when they are equal.
   */
  @Nullable
  static String firstDifferenceAcrossSubtasks(
      RecordedOutput expected, RecordedOutput actual, String actualLabel) {
    return firstDifferencePerKey(expected.byKey(true), actual.byKey(true), actualLabel);
  }

  @Nullable
  private static String firstDifferencePerKey(
      Map<Object, List<Emitted>> expectedByKey,
      Map<Object, List<Emitted>> actualByKey,
      String actualLabel) {
    Set<Object> keys = new LinkedHashSet<>(expectedByKey.keySet());
    keys.addAll(actualByKey.keySet());
    for (Object key : keys) {
      String difference =
          firstDifference(
              expectedByKey.getOrDefault(key, List.of()),
              actualByKey.getOrDefault(key, List.of()),
              " of key " + key,
              UNINTERRUPTED,
              actualLabel);
      if (difference != null) {
        return difference;
      }
    }
    return null;
  }

  @Nullable
  private static String firstDifference(
      List<Emitted> expected,
      List<Emitted> actual,
      String scope,
      String expectedLabel,
      String actualLabel) {
    int common = Math.min(expected.size(), actual.size());
    for (int i = 0; i < common; i++) {
      if (!expected.get(i).equals(actual.get(i))) {
        return differenceAt(i, expected, actual, scope, expectedLabel, actualLabel);
      }
    }
    return expected.size() == actual.size()
        ? null
        : differenceAt(common, expected, actual, scope, expectedLabel, actualLabel);
  }

  private static String differenceAt(
      int i,
      List<Emitted> expected,
      List<Emitted> actual,
      String scope,
      String expectedLabel,
      String actualLabel) {
    // labels padded to one column, at least 15 wide
    String label =
        "%-" + Math.max(15, Math.max(expectedLabel.length(), actualLabel.length()) + 2) + "s";
    return String.format(
        "first difference at output record #%d%s%n  "
            + label
            + "%s%n  "
            + label
            + "%s%n"
            + "(%s: %d records%s, %s: %d)",
        i,
        scope,
        expectedLabel + ":",
        i < expected.size() ? expected.get(i) : "<no more records>",
        actualLabel + ":",
        i < actual.size() ? actual.get(i) : "<no more records>",
        expectedLabel,
        expected.size(),
        scope,
        actualLabel,
        actual.size());
  }
}
