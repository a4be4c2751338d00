package dev.etlkit.scd.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The kept changes load in time order whatever the store's order, put keeps the order, and known
 * times are taken without iterating.
 */
class KeptChangesTest {

  private static MapHistoryStore<String> store(long seed, long... times) {
    MapHistoryStore<String> store = new MapHistoryStore<>(seed);
    for (long time : times) {
      store.putChange(time, new StoredChange<>(0L, false, "at " + time));
    }
    return store;
  }

  private static List<Long> times(KeptChanges<String> kept) throws Exception {
    List<Long> times = new ArrayList<>();
    for (int i = 0; i < kept.size(); i++) {
      times.add(kept.time(i));
      assertThat(kept.change(i).row).isEqualTo("at " + kept.time(i));
    }
    return times;
  }

  @Test
  void load_entriesInAnyOrder_sortsThemByTime() throws Exception {
    KeptChanges<String> kept = new KeptChanges<>();
    long[] times = new long[40]; // beyond the initial capacity
    for (int i = 0; i < times.length; i++) {
      times[i] = (i * 7919L) % 1000 - 500;
    }
    for (long seed = 0; seed < 5; seed++) {
      kept.load(store(seed, times));
      List<Long> loaded = times(kept);
      assertThat(loaded).hasSize(times.length).isSorted();
    }
  }

  @Test
  void put_newTimeOrSameTime_insertsInOrderOrReplaces() throws Exception {
    KeptChanges<String> kept = new KeptChanges<>();
    kept.load(store(1L, 30, 10, 20));
    kept.put(15, new StoredChange<>(0L, false, "at 15"));
    kept.put(40, new StoredChange<>(0L, false, "at 40"));
    kept.put(5, new StoredChange<>(0L, false, "at 5"));
    assertThat(times(kept)).containsExactly(5L, 10L, 15L, 20L, 30L, 40L);
    kept.put(20, new StoredChange<>(1L, true, null));
    assertThat(kept.change(kept.indexOf(20)).delete).isTrue();
    assertThat(kept.size()).isEqualTo(6);
  }

  private static long[] earlier(KeptChanges<String> kept, int from) {
    KeyCursor<String> cursor = KeyCursor.first(0L, true);
    kept.earlierInto(cursor, from);
    return cursor.knowsEarlier() ? Arrays.copyOf(cursor.earlier, cursor.earlierCount) : null;
  }

  @Test
  void use_knownTimes_readsValuesByTimeAndGivesTheEarlierTimes() throws Exception {
    KeptChanges<String> kept = new KeptChanges<>();
    kept.use(store(1L, 30, 10, 20, 40), new long[] {10, 20, 30, 0}, 3, 40);
    assertThat(times(kept)).containsExactly(10L, 20L, 30L, 40L);
    assertThat(earlier(kept, 0)).containsExactly(10L, 20L, 30L);
    assertThat(earlier(kept, 2)).containsExactly(30L);
    assertThat(earlier(kept, 3)).isEmpty();
  }

  @Test
  void earlierInto_moreThanTheCursorHolds_forgetsThem() throws Exception {
    KeptChanges<String> kept = new KeptChanges<>();
    long[] times = new long[KeyCursor.MAX_EARLIER + 2];
    for (int i = 0; i < times.length; i++) {
      times[i] = i;
    }
    kept.load(store(1L, times));
    assertThat(earlier(kept, 0)).isNull();
    assertThat(earlier(kept, 1)).hasSize(KeyCursor.MAX_EARLIER);
  }

  @Test
  void use_timeNotInTheStore_failsWhenItsValueIsRead() {
    KeptChanges<String> kept = new KeptChanges<>();
    kept.use(store(1L, 20), new long[] {10}, 1, 20);
    assertThatThrownBy(() -> kept.change(0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("10");
  }

  @Test
  void clear_afterLoad_leavesNothing() throws Exception {
    KeptChanges<String> kept = new KeptChanges<>();
    kept.load(store(1L, 3, 1, 2));
    kept.clear();
    assertThat(kept.size()).isZero();
    kept.load(store(2L));
    assertThat(kept.size()).isZero();
  }

  @Test
  void firstNotBefore_everyTimeAroundEverySize_isTheFirstIndexNotBefore() {
    long[] times = {-7, -2, 0, 3, 4, 9, 15, 16};
    for (int size = 0; size <= times.length; size++) {
      for (long time = -9; time <= 18; time++) {
        int expected = 0;
        while (expected < size && times[expected] < time) {
          expected++;
        }
        assertThat(KeptChanges.firstNotBefore(times, size, time))
            .as("size %d, time %d", size, time)
            .isEqualTo(expected);
      }
    }
  }
}
