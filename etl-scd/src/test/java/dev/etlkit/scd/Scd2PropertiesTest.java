package dev.etlkit.scd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.scd.internal.HistoryDriver;
import dev.etlkit.scd.internal.KeyHistory;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.flink.types.RowKind;

/**
 * The history rules (plain Java, no Flink) against the reference model, over generated changelogs
 * in every configuration: in order, shuffled within and beyond the horizon, with redeliveries,
 * deletes and re-inserts, ties, and state maps iterating in random order.
 */
class Scd2PropertiesTest {

  @Provide
  Arbitrary<Scd2Variant> variants() {
    return Arbitraries.of(Scd2Variant.spread());
  }

  @Property(tries = 1000)
  void history_anyChangelog_materializesToTheReference_andKeepsTheInvariants(
      @ForAll("variants") Scd2Variant variant,
      @ForAll long seed,
      @ForAll("windows") int shuffleWindow)
      throws Exception {
    List<Change<Account>> delivered =
        Scd2Generator.messy().withShuffleWindow(shuffleWindow).generate(seed);
    checkAgainstTheReference(variant, delivered, seed);
  }

  /**
   * Drives the history rules over {@code delivered} with stores as each backend keeps them, checks
   * the result against the reference model and the invariants; returns the most kept changes a key
   * had after a change.
   */
  private static int checkAgainstTheReference(
      Scd2Variant variant, List<Change<Account>> delivered, long seed) throws Exception {
    int mostKept = checkAgainstTheReference(variant, delivered, seed, Integer.MAX_VALUE, false);
    return Math.max(
        mostKept, checkAgainstTheReference(variant, delivered, seed, Integer.MAX_VALUE, true));
  }

  /**
   * As above, with stores that keep objects (as the heap) or serialized state (as RocksDB); fails
   * when a sealed chunk of a key holds {@code maxChunk} changes or more.
   */
  private static int checkAgainstTheReference(
      Scd2Variant variant,
      List<Change<Account>> delivered,
      long seed,
      int maxChunk,
      boolean keepsObjects)
      throws Exception {
    Scd2Reference.Result<Account> expected = variant.expected(delivered);
    HistoryDriver<Account> driver =
        new HistoryDriver<>(
            variant.step().config(Change.typeInfo(Account.TYPE), null),
            seed,
            maxChunk == Integer.MAX_VALUE, // restores re-chunk kept changes: not when sizes count
            keepsObjects);
    int mostKept = 0;
    for (Change<Account> change : delivered) {
      long sequence = variant.bySourcePosition() ? change.sourcePosition() : 0L;
      driver.apply(change.value().id(), change, change.eventTime(), sequence);
      mostKept = Math.max(mostKept, driver.keptChanges(change.value().id()));
      assertThat(driver.largestChunk(change.value().id())).isLessThan(maxChunk);
    }

    Map<String, Scd2Row<Account>> actual = Scd2Invariants.materialize(driver.output());
    assertThat(actual).isEqualTo(expected.byVersion());
    variant.invariants().check(actual.values());
    assertThat(driver.late()).isEqualTo(expected.late().size());
    return mostKept;
  }

  /**
   * Long histories: two keys, 300 changes, a horizon of 300 ms (about 15 changes per key per
   * horizon, so 15 to 45 kept), shuffled up to 20 places: keys keep several sealed chunks of kept
   * changes (state format 3), late changes splice into them, prunes cut them, and keys turned into
   * ones restored from formats 1 and 2 move long lists of changes into chunks. Over stores that
   * keep objects (as the heap, which seals chunks of 32 instead of 8) the changelog and the horizon
   * are four times as long, so that keys seal chunks there as often.
   */
  @Property(tries = 200)
  void history_longHistories_materializeToTheReference(
      @ForAll("variants") Scd2Variant shape,
      @ForAll long seed,
      @ForAll("longWindows") int shuffleWindow)
      throws Exception {
    int scale = KeyHistory.HEAP_CHUNK_SIZE / KeyHistory.CHUNK_SIZE;
    int serialized = checkLongHistory(shape, seed, shuffleWindow, 1, false);
    assertThat(serialized).isGreaterThanOrEqualTo(KeyHistory.CHUNK_SIZE); // a chunk was sealed
    int objects = checkLongHistory(shape, seed, shuffleWindow, scale, true);
    assertThat(objects).isGreaterThanOrEqualTo(KeyHistory.HEAP_CHUNK_SIZE);
  }

  /** A long history {@code scale} times as long, with as long a horizon; the most kept changes. */
  private static int checkLongHistory(
      Scd2Variant shape, long seed, int shuffleWindow, int scale, boolean keepsObjects)
      throws Exception {
    Scd2Variant variant = shape.withHorizon(300L * scale);
    List<Change<Account>> delivered =
        Scd2Generator.messy()
            .withKeys(2)
            .withLength(300 * scale)
            .withDeleteRate(0.03)
            .withShuffleWindow(shuffleWindow)
            .generate(seed);
    return checkAgainstTheReference(variant, delivered, seed, Integer.MAX_VALUE, keepsObjects);
  }

  /**
   * Many late changes into one sealed chunk: 40 changes in order, then 40 late ones between the
   * first eight; the chunk they land in is split as it grows, and the history equals the
   * reference's, in every configuration.
   */
  @Example
  void lateChangesIntoOneSealedChunk_splitIt_andMaterializeToTheReference() throws Exception {
    List<Change<Account>> delivered = new java.util.ArrayList<>();
    long position = 0;
    for (int i = 0; i < 40; i++) {
      delivered.add(
          Change.of(
              i == 0 ? RowKind.INSERT : RowKind.UPDATE_AFTER,
              new Account("a", "p" + (i % 3), "e" + (i % 2), "n"),
              1_000L + 100L * i,
              ++position));
    }
    for (int i = 0; i < 40; i++) { // between the first eight changes, newest first
      delivered.add(
          Change.of(
              RowKind.UPDATE_AFTER,
              new Account("a", "late" + i, "e", "n"),
              1_000L + 700 - 17L * i,
              ++position));
    }
    for (Scd2Variant shape : Scd2Variant.spread()) {
      Scd2Variant variant = shape.withHorizon(100_000);
      int mostKept =
          checkAgainstTheReference(variant, delivered, 42L, 2 * KeyHistory.CHUNK_SIZE, false);
      assertThat(mostKept).isGreaterThanOrEqualTo(3 * KeyHistory.CHUNK_SIZE);
      mostKept =
          checkAgainstTheReference(variant, delivered, 42L, 2 * KeyHistory.HEAP_CHUNK_SIZE, true);
      // more than a chunk may hold, in one chunk's range: it was split
      assertThat(mostKept).isGreaterThan(2 * KeyHistory.HEAP_CHUNK_SIZE);
    }
  }

  @Provide
  Arbitrary<Integer> longWindows() {
    return Arbitraries.of(1, 5, 20);
  }

  /**
   * Found by the property above (seed -4531367159772986508): with append output, a change spliced
   * before a key's first change closes a version before the key's prune point (its first change's
   * time); that version must still be emitted once it is final, which it was not.
   */
  @Example
  void appendOutput_spliceBeforeTheFirstChange_emitsTheVersionItClosesOnceFinal() throws Exception {
    Scd2Variant variant =
        Scd2Variant.spread().stream()
            .filter(
                v ->
                    v.output() == Scd2Output.APPEND
                        && v.deletes() == HardDeletes.NEW_RECORD
                        && v.type1().isEmpty()
                        && v.bySourcePosition()
                        && v.horizonMillis() == 25
                        && v.validToCurrent() == null
                        && v.detection().toString().equals("only(plan)"))
            .findFirst()
            .orElseThrow();
    history_anyChangelog_materializesToTheReference_andKeepsTheInvariants(variant, 84772L, 8);
  }

  @Provide
  Arbitrary<Integer> windows() {
    return Arbitraries.of(1, 3, 8);
  }
}
