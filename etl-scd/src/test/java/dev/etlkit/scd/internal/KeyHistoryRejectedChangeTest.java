package dev.etlkit.scd.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.etlkit.scd.ChangeDetection;
import dev.etlkit.scd.HardDeletes;
import dev.etlkit.scd.Scd2Output;
import dev.etlkit.scd.Tag;
import dev.etlkit.scd.Tagged;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A change whose comparison with the key's history throws ({@link Tag#POISON}) leaves the key's
 * state exactly as it was, byte for byte, also where the store keeps objects (the heap: state the
 * history changes in place is changed for good), and emits nothing.
 */
class KeyHistoryRejectedChangeTest {

  private static final long DAY = 86_400_000L;

  private static final TypeSerializer<Tagged> ROWS =
      Tagged.TYPE.createSerializer(new SerializerConfigImpl());

  private static final Columns<Tagged> COLUMNS =
      Columns.resolve(
          Tagged.TYPE, ChangeDetection.allExcept("at", "note", "seq"), List.of("phone"));

  private final List<String> emitted = new ArrayList<>();

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void inOrderChange(boolean keepsObjects) throws Exception {
    assertRejectedAlone(
        keepsObjects,
        10,
        List.of(Tagged.of("c1", "a", 1), Tagged.of("c1", "b", 2)),
        Tagged.of("c1", Tag.POISON, 3));
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void inOrderChange_thatWouldPrune(boolean keepsObjects) throws Exception {
    assertRejectedAlone(
        keepsObjects,
        1,
        List.of(
            Tagged.of("c1", "a", 1),
            Tagged.of("c1", "b", 2),
            Tagged.of("c1", "b", 3).withPhone("666"),
            Tagged.of("c1", "c", 4)),
        Tagged.of("c1", Tag.POISON, 6));
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void lateChange(boolean keepsObjects) throws Exception {
    assertRejectedAlone(
        keepsObjects,
        10,
        List.of(Tagged.of("c1", "a", 1), Tagged.of("c1", "b", 2), Tagged.of("c1", "d", 5)),
        Tagged.of("c1", Tag.POISON, 3));
  }

  /** A key that never pruned moves its prune point back for a change before its first one. */
  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void lateChange_beforeTheKeysFirstChange(boolean keepsObjects) throws Exception {
    assertRejectedAlone(
        keepsObjects,
        10,
        List.of(Tagged.of("c1", "b", 5), Tagged.of("c1", "c", 6)),
        Tagged.of("c1", Tag.POISON, 4));
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void tie_withTheSameSequence(boolean keepsObjects) throws Exception {
    assertRejectedAlone(
        keepsObjects,
        10,
        List.of(Tagged.of("c1", "a", 1), Tagged.of("c1", "b", 2)),
        Tagged.of("c1", Tag.POISON, 2));
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void tie_winningBySequence(boolean keepsObjects) throws Exception {
    assertRejectedAlone(
        keepsObjects,
        10,
        List.of(Tagged.of("c1", "a", 1), Tagged.of("c1", "b", 2).withSeq(1)),
        Tagged.of("c1", "b", 2).withSeq(2).withNote(Tag.POISON));
  }

  /**
   * Append output forgets an expired key after emitting its closed versions, which replays its kept
   * changes. A comparison that throws there (here: {@code tag} tracked since a restore, a kept
   * change holds {@link Tag#POISON}) must fail the job, as the same replay in a prune does
   * (docs/scd2.md, "Accounting, metrics and dead letters"), not surface as the change at hand's
   * comparison failure: the step would dead-letter that valid change as one that "cannot be
   * compared with the key's history", and every later change of the key likewise, as the key is
   * never forgotten.
   */
  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void append_forgettingAnExpiredKey_whoseReplayThrows_failsLikeAPrune(boolean keepsObjects)
      throws Exception {
    long ttl = 100L;
    KeyHistory<Tagged> before =
        new KeyHistory<>(
            Columns.resolve(Tagged.TYPE, ChangeDetection.only("note"), List.of()),
            HardDeletes.INVALIDATE,
            Scd2Output.APPEND,
            10 * DAY,
            false,
            ttl);
    MapHistoryStore<Tagged> store = new MapHistoryStore<>(3L, keepsObjects ? null : ROWS);
    apply(before, store, Tagged.of("c1", "a", 1).withNote("n1"), 0L);
    apply(before, store, Tagged.of("c1", Tag.POISON, 2).withNote("n2"), 0L);
    apply(before, store, Tagged.of("c1", "b", 3).withNote("n2"), 0L); // no-op then: kept
    assertThat(emitted).isEmpty();
    KeyHistory<Tagged> after =
        new KeyHistory<>(
            Columns.resolve(Tagged.TYPE, ChangeDetection.only("note", "tag"), List.of()),
            HardDeletes.INVALIDATE,
            Scd2Output.APPEND,
            10 * DAY,
            false,
            ttl);

    Throwable thrown =
        catchThrowable(() -> apply(after, store, Tagged.of("c1", "c", 4).withNote("n3"), 10 * ttl));

    assertThat(thrown)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("change detection changed at a restore")
        .hasMessageNotContaining(Tag.POISON)
        .hasCauseInstanceOf(Columns.ComparisonException.class);
    assertThat(emitted).isEmpty();
  }

  /**
   * A late change that would emit the current version, which does not start before the sink's
   * validToCurrent (a sentinel set at a restore), is rejected before it emits or changes anything,
   * as a comparison that throws is.
   */
  @ParameterizedTest
  @CsvSource({"true, RETRACT", "true, UPSERT", "false, RETRACT", "false, UPSERT"})
  void lateChange_wouldEmitACurrentVersionNotBeforeValidToCurrent(
      boolean keepsObjects, Scd2Output output) throws Exception {
    KeyHistory<Tagged> history =
        new KeyHistory<>(COLUMNS, HardDeletes.INVALIDATE, output, 10 * DAY, false, 0L);
    MapHistoryStore<Tagged> store = new MapHistoryStore<>(3L, keepsObjects ? null : ROWS);
    apply(history, store, Tagged.of("c1", "a", 1));
    apply(history, store, Tagged.of("c1", "b", 5));
    byte[] state = state(store);
    boolean resident = store.cursor().resident;
    emitted.clear();
    long sentinel = Tagged.of("c1", "b", 5).at().toEpochMilli();
    VersionSink<Tagged> sink =
        new VersionSink<>() {
          @Override
          public void emit(RowKind kind, Version<Tagged> version) {
            emitted.add(kind.shortString() + " " + version);
          }

          @Override
          public long validToCurrent() {
            return sentinel;
          }
        };
    Tagged late = Tagged.of("c1", "c", 3);

    Throwable thrown =
        catchThrowable(
            () ->
                history.apply(
                    store, late.at().toEpochMilli(), 0, late, sink, 0L, KeyHistory.NO_TIMERS));

    assertThat(thrown)
        .isInstanceOf(ValidToCurrentException.class)
        .hasMessageContaining("valid from 2024-01-05T00:00:00Z")
        .hasMessageContaining("validToCurrent 2024-01-05T00:00:00Z");
    assertThat(emitted).isEmpty();
    assertThat(state(store)).as("the key's state").isEqualTo(state);
    assertThat(store.cursor().resident).isEqualTo(resident);
  }

  private void assertRejectedAlone(
      boolean keepsObjects, long horizonDays, List<Tagged> before, Tagged bad) throws Exception {
    KeyHistory<Tagged> history =
        new KeyHistory<>(
            COLUMNS, HardDeletes.INVALIDATE, Scd2Output.RETRACT, horizonDays * DAY, false, 0L);
    MapHistoryStore<Tagged> store = new MapHistoryStore<>(3L, keepsObjects ? null : ROWS);
    for (Tagged change : before) {
      apply(history, store, change);
    }
    byte[] state = state(store);
    boolean resident = store.cursor().resident;
    emitted.clear();

    Throwable thrown = catchThrowable(() -> apply(history, store, bad));

    assertThat(thrown)
        .isInstanceOf(Columns.ComparisonException.class)
        .hasMessageNotContaining(Tag.POISON);
    assertThat(emitted).isEmpty();
    assertThat(state(store)).as("the key's state").isEqualTo(state);
    assertThat(store.cursor().resident).isEqualTo(resident);
  }

  private void apply(KeyHistory<Tagged> history, MapHistoryStore<Tagged> store, Tagged change)
      throws Exception {
    apply(history, store, change, 0L);
  }

  private void apply(
      KeyHistory<Tagged> history, MapHistoryStore<Tagged> store, Tagged change, long now)
      throws Exception {
    history.apply(
        store,
        change.at().toEpochMilli(),
        change.seq(),
        change,
        (kind, version) -> emitted.add(kind.shortString() + " " + version),
        now,
        KeyHistory.NO_TIMERS);
  }

  /** The cursor and the kept changes, serialized. */
  private static byte[] state(MapHistoryStore<Tagged> store) throws Exception {
    DataOutputSerializer out = new DataOutputSerializer(256);
    new KeyCursorSerializer<>(ROWS).serialize(store.cursor(), out);
    TypeSerializer<StoredChange<Tagged>> changes =
        StoredChange.typeInfo(Tagged.TYPE).createSerializer(new SerializerConfigImpl());
    for (Map.Entry<Long, StoredChange<Tagged>> kept : store.kept().entrySet()) {
      out.writeLong(kept.getKey());
      changes.serialize(kept.getValue(), out);
    }
    return out.getCopyOfBuffer();
  }
}
