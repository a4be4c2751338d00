package dev.etlkit.scd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.scd.internal.KeyHistory;
import dev.etlkit.scd.internal.MapHistoryStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.types.RowKind;

/**
 * The lateness horizon is not state: a job may be restored with a shorter or a longer one. Over
 * generated changelogs whose first part runs under one horizon and the rest under another (the same
 * key state, kept serialized as RocksDB keeps it or as objects as the heap does), the history rules
 * stay consistent: a change is late only when it is beyond the shorter of the two horizons, the
 * output materializes to the reference history of exactly the changes the step accepted, and append
 * output emits only versions of that history, every one that is final under the horizon of its
 * key's last change.
 */
class Scd2HorizonChangePropertiesTest {

  private static final long NO_HORIZON = 1_000_000_000L;

  @Provide
  Arbitrary<Scd2Variant> variants() {
    return Arbitraries.of(Scd2Variant.spread());
  }

  @Provide
  Arbitrary<Long> horizons() {
    return Arbitraries.of(0L, 10L, 25L, 60L, 200L);
  }

  @Property(tries = 300)
  void horizonChangedAtARestore_historyIsThatOfTheAcceptedChanges(
      @ForAll("variants") Scd2Variant variant,
      @ForAll long seed,
      @ForAll("horizons") long before,
      @ForAll("horizons") long after,
      @ForAll boolean serialized)
      throws Exception {
    List<Change<Account>> delivered =
        Scd2Generator.messy().withLength(60).withShuffleWindow(8).generate(seed);
    int cut = (int) Math.floorMod(seed, (long) delivered.size());
    KeyHistory<Account> first = history(variant, before);
    KeyHistory<Account> second = history(variant, after);
    @Nullable Instant sentinel = variant.validToCurrent();
    @Nullable Long validToCurrent = sentinel == null ? null : sentinel.toEpochMilli();
    Map<String, MapHistoryStore<Account>> stores = new HashMap<>();
    List<Change<Scd2Row<Account>>> output = new ArrayList<>();
    List<Change<Account>> accepted = new ArrayList<>();
    Map<String, Long> latest = new HashMap<>();
    Map<String, Long> horizonOfLastChange = new HashMap<>();
    for (int i = 0; i < delivered.size(); i++) {
      Change<Account> change = delivered.get(i);
      boolean delete = change.kind() == RowKind.DELETE;
      if (change.kind() == RowKind.UPDATE_BEFORE
          || (delete && variant.deletes() == HardDeletes.IGNORE)) {
        continue;
      }
      String key = change.value().id();
      MapHistoryStore<Account> store =
          stores.computeIfAbsent(
              key,
              k ->
                  new MapHistoryStore<>(
                      seed,
                      serialized
                          ? Account.TYPE.createSerializer(new SerializerConfigImpl())
                          : null));
      long time = change.eventTime();
      KeyHistory.Outcome outcome =
          (i < cut ? first : second)
              .apply(
                  store,
                  time,
                  variant.bySourcePosition() ? change.sourcePosition() : 0L,
                  delete ? null : change.value(),
                  (kind, version) ->
                      output.add(Change.of(kind, version.toRow(key, validToCurrent))),
                  0L,
                  KeyHistory.NO_TIMERS);
      Long last = latest.get(key);
      if (outcome == KeyHistory.Outcome.LATE) {
        assertThat(time)
            .as("late only beyond the shorter horizon")
            .isLessThan(last - Math.min(before, after));
        continue;
      }
      accepted.add(change);
      if (last == null || time > last || outcome == KeyHistory.Outcome.CHANGED) {
        horizonOfLastChange.put(key, i < cut ? before : after); // a change that may prune
      }
      latest.put(key, last == null ? time : Math.max(last, time));
    }

    Map<String, Scd2Row<Account>> actual = Scd2Invariants.materialize(output);
    variant.invariants().check(actual.values());
    Map<String, Scd2Row<Account>> history = retract(variant).expected(accepted).byVersion();
    if (variant.output() != Scd2Output.APPEND) {
      assertThat(actual).isEqualTo(history);
      return;
    }
    for (Map.Entry<String, Scd2Row<Account>> row : actual.entrySet()) {
      assertThat(history).containsEntry(row.getKey(), row.getValue());
    }
    for (Map.Entry<String, Scd2Row<Account>> row : history.entrySet()) {
      Scd2Row<Account> version = row.getValue();
      String key = version.key();
      if (!version.isCurrent()
          && version.validToMillis() < latest.get(key) - horizonOfLastChange.get(key)) {
        assertThat(actual).as("final").containsEntry(row.getKey(), version);
      }
    }
  }

  private static KeyHistory<Account> history(Scd2Variant variant, long horizon) {
    return variant
        .withHorizon(horizon)
        .step()
        .config(Change.typeInfo(Account.TYPE), null)
        .history();
  }

  /** The variant with retract output and a horizon nothing is beyond: the whole history. */
  private static Scd2Variant retract(Scd2Variant variant) {
    return new Scd2Variant(
        Scd2Output.RETRACT,
        variant.deletes(),
        variant.detection(),
        variant.type1(),
        variant.bySourcePosition(),
        NO_HORIZON,
        variant.validToCurrent());
  }
}
