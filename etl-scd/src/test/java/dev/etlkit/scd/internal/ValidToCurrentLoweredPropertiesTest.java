package dev.etlkit.scd.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.etlkit.core.Change;
import dev.etlkit.scd.Account;
import dev.etlkit.scd.ChangeDetection;
import dev.etlkit.scd.HardDeletes;
import dev.etlkit.scd.Scd2Generator;
import dev.etlkit.scd.Scd2Output;
import dev.etlkit.scd.Scd2Variant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.types.RowKind;

/**
 * A {@code validToCurrent} sentinel set or lowered at a restore (the first part of a generated
 * changelog runs without it, the rest with it; the step's own check of a change's time emulated):
 * the history never hands its sink a row that cannot end at the sentinel; a change it rejects
 * ({@link ValidToCurrentException}) emits nothing and leaves the key's state byte for byte as it
 * was (state kept serialized, as RocksDB keeps it, or as objects, as the heap does), and is
 * rejected only where it would have emitted such a row. With the sentinel set from the start, no
 * change is ever rejected.
 */
class ValidToCurrentLoweredPropertiesTest {

  private static final TypeSerializer<Account> ROWS =
      Account.TYPE.createSerializer(new SerializerConfigImpl());

  @Provide
  Arbitrary<Scd2Variant> variants() {
    return Arbitraries.of(Scd2Variant.spread());
  }

  /** The sentinel set at the restore three times out of four, else from the start. */
  @Provide
  Arbitrary<Boolean> mostlyAtTheRestore() {
    return Arbitraries.frequency(Tuple.of(1, true), Tuple.of(3, false));
  }

  @Property(tries = 400)
  void sentinelLoweredAtARestore_rejectsExactlyTheChangesThatWouldEmitARowNotEndingThere(
      @ForAll("variants") Scd2Variant variant,
      @ForAll long seed,
      @ForAll @IntRange(min = -2, max = 60) int below,
      @ForAll boolean serialized,
      @ForAll boolean processingTime,
      @ForAll("mostlyAtTheRestore") boolean setFromTheStart)
      throws Exception {
    List<Change<Account>> delivered =
        Scd2Generator.messy().withKeys(1).withLength(40).withShuffleWindow(12).generate(seed);
    int cut = 1 + (int) Math.floorMod(seed, (long) delivered.size() - 1);
    long latest = Long.MIN_VALUE;
    for (Change<Account> change : delivered.subList(0, cut)) {
      latest = Math.max(latest, change.eventTime());
    }
    long sentinel = latest - below; // at, just after or before the latest times so far
    KeyHistory<Account> history = history(variant, processingTime);
    Map<String, MapHistoryStore<Account>> stores = new HashMap<>();
    Map<String, List<Change<Account>>> accepted = new HashMap<>();
    int rejected = 0;
    for (int i = 0; i < delivered.size(); i++) {
      Change<Account> change = delivered.get(i);
      boolean delete = change.kind() == RowKind.DELETE;
      if (change.kind() == RowKind.UPDATE_BEFORE
          || (delete && variant.deletes() == HardDeletes.IGNORE)) {
        continue;
      }
      boolean withSentinel = setFromTheStart || i >= cut;
      long time = change.eventTime();
      if (withSentinel && time >= sentinel) {
        continue; // the step's own check: a dead letter before the history sees it
      }
      String key = change.value().id();
      MapHistoryStore<Account> store =
          stores.computeIfAbsent(key, k -> new MapHistoryStore<>(seed, serialized ? ROWS : null));
      List<String> emitted = new ArrayList<>();
      long end = withSentinel ? sentinel : Version.OPEN;
      VersionSink<Account> sink =
          new VersionSink<>() {
            @Override
            public void emit(RowKind kind, Version<Account> version) {
              // as the step's sink: throws for a row that cannot end at the sentinel
              version.toRow(key, end == Version.OPEN ? null : end);
              emitted.add(kind.shortString() + " " + version);
            }

            @Override
            public long validToCurrent() {
              return end;
            }
          };
      byte[] before = store.cursor() == null ? null : state(store);
      RuntimeException thrown = null;
      try {
        apply(history, store, change, variant, sink);
      } catch (ValidToCurrentException e) {
        thrown = e;
      }
      if (thrown == null) {
        accepted.computeIfAbsent(key, k -> new ArrayList<>()).add(change);
        continue;
      }
      rejected++;
      assertThat(setFromTheStart).as("rejected with the sentinel set from the start").isFalse();
      assertThat(emitted).as("emitted by a rejected change").isEmpty();
      assertThat(state(store)).as("the key's state after a rejected change").isEqualTo(before);
      assertThat(wouldEmit(history, variant, seed, accepted.get(key), change, sentinel))
          .as("a rejected change would emit a current row starting at or after %d", sentinel)
          .isTrue();
    }
    if (setFromTheStart) {
      assertThat(rejected).isZero();
    }
    Statistics.label("rejections")
        .collect(setFromTheStart ? "set from the start" : rejected > 0 ? "some" : "none")
        .coverage(c -> c.check("some").percentage(p -> p >= 4));
  }

  /**
   * Processing time, the one way a change can close the current version without a newer one: a
   * delete whose clock went back, taken at the key's latest time, replaces a no-op there. Retract
   * output would retract the current row ({@code -U}, which cannot end at the sentinel): rejected;
   * upsert output emits only the closed version: accepted.
   */
  @Example
  void processingTime_deleteTakenAtTheLatestNoOp_closesTheCurrentVersion() throws Exception {
    long t1 = 1_000L;
    long t2 = 2_000L;
    Account a = new Account("a0", "basic", "x@mail", "n1");
    for (Scd2Output output : List.of(Scd2Output.RETRACT, Scd2Output.UPSERT)) {
      KeyHistory<Account> history =
          new KeyHistory<>(
              Columns.resolve(Account.TYPE, ChangeDetection.all(), List.of()),
              HardDeletes.INVALIDATE,
              output,
              10_000L,
              true,
              0L);
      MapHistoryStore<Account> store = new MapHistoryStore<>(1L, ROWS);
      List<String> emitted = new ArrayList<>();
      VersionSink<Account> open =
          (kind, version) -> emitted.add(kind.shortString() + " " + version);
      history.apply(store, t1, 0L, a, open, 0L, KeyHistory.NO_TIMERS);
      history.apply(store, t2, 0L, a, open, 0L, KeyHistory.NO_TIMERS); // a no-op, the latest
      byte[] before = state(store);
      emitted.clear();
      VersionSink<Account> sentinel =
          new VersionSink<>() {
            @Override
            public void emit(RowKind kind, Version<Account> version) {
              version.toRow("a0", t1); // as the step's sink: throws for a row that cannot end
              emitted.add(kind.shortString() + " " + version);
            }

            @Override
            public long validToCurrent() {
              return t1;
            }
          };

      Throwable thrown =
          catchThrowable(
              () -> history.apply(store, t1 - 1, 0L, null, sentinel, 0L, KeyHistory.NO_TIMERS));

      if (output == Scd2Output.RETRACT) {
        assertThat(thrown).isInstanceOf(ValidToCurrentException.class);
        assertThat(emitted).isEmpty();
        assertThat(state(store)).isEqualTo(before);
      } else {
        assertThat(thrown).isNull();
        assertThat(emitted).containsExactly("+U v1[1000, 2000) " + a);
      }
    }
  }

  /** Whether {@code change}, after {@code accepted}, emits an open version not before sentinel. */
  private static boolean wouldEmit(
      KeyHistory<Account> history,
      Scd2Variant variant,
      long seed,
      @Nullable List<Change<Account>> accepted,
      Change<Account> change,
      long sentinel)
      throws Exception {
    MapHistoryStore<Account> store = new MapHistoryStore<>(seed);
    List<Version<Account>> emitted = new ArrayList<>();
    VersionSink<Account> sink = (kind, version) -> emitted.add(version);
    for (Change<Account> earlier : accepted == null ? List.<Change<Account>>of() : accepted) {
      apply(history, store, earlier, variant, sink);
    }
    emitted.clear();
    apply(history, store, change, variant, sink);
    return emitted.stream().anyMatch(v -> v.isOpen() && v.validFrom >= sentinel);
  }

  private static void apply(
      KeyHistory<Account> history,
      MapHistoryStore<Account> store,
      Change<Account> change,
      Scd2Variant variant,
      VersionSink<Account> sink)
      throws Exception {
    history.apply(
        store,
        change.eventTime(),
        variant.bySourcePosition() ? change.sourcePosition() : 0L,
        change.kind() == RowKind.DELETE ? null : change.value(),
        sink,
        0L,
        KeyHistory.NO_TIMERS);
  }

  private static KeyHistory<Account> history(Scd2Variant variant, boolean processingTime) {
    return new KeyHistory<>(
        Columns.resolve(Account.TYPE, variant.detection(), variant.type1()),
        variant.deletes(),
        variant.output(),
        Math.max(variant.horizonMillis(), 300L),
        processingTime,
        0L);
  }

  /** The cursor and the kept changes, serialized. */
  private static byte[] state(MapHistoryStore<Account> store) throws Exception {
    DataOutputSerializer out = new DataOutputSerializer(256);
    new KeyCursorSerializer<>(ROWS).serialize(store.cursor(), out);
    TypeSerializer<StoredChange<Account>> changes =
        StoredChange.typeInfo(Account.TYPE).createSerializer(new SerializerConfigImpl());
    for (Map.Entry<Long, StoredChange<Account>> kept : store.kept().entrySet()) {
      out.writeLong(kept.getKey());
      changes.serialize(kept.getValue(), out);
    }
    return out.getCopyOfBuffer();
  }
}
