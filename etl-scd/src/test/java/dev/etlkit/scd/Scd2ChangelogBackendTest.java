package dev.etlkit.scd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.CutPointCheck;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.Soak;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The step under Flink's changelog state backend over the heap ({@code state.changelog.enabled},
 * the testkit's {@code withStateChangelog()}): the heap keeps the state objects, so the step's
 * cursor stays resident as on the plain heap, and every state write is also serialized into the
 * changelog, from which a restore replays the state.
 *
 * <ul>
 *   <li>A change the step made to a heap object in place without writing it back would be missing
 *       after such a restore while passing every plain heap test: restoring at cut points from the
 *       changelog alone (the harness never materializes) must not change the output.
 *   <li>Keys there seal chunks of {@code KeyHistory.CHUNK_SIZE} (8), as on RocksDB, not the plain
 *       heap's 32: the open chunk is in the cursor, which is serialized with every write
 *       (docs/scd2-performance-notes.md, "The changelog state backend").
 * </ul>
 */
class Scd2ChangelogBackendTest {

  private static final String KEY = "c1";

  @Test
  void restoredFromTheChangelogAtCutPoints_sameOutputAsUninterrupted() {
    // three keys, late changes within the horizon, prunes and reused chunks
    List<Change<Customer>> changes = Scd2HeapReuseTest.changes(2_400, 1_000, new Random(11));
    HarnessInput.Builder<Change<Customer>> input = HarnessInput.builder();
    for (Change<Customer> change : changes) {
      input.element(change, 0L);
    }

    CutPointCheck.of(Scd2HeapReuseTest.recipe().harness().withStateChangelog(), input.build())
        .withSampledCutPoints(Soak.isEnabled() ? 100 : 8, 11L)
        .verify();
  }

  @Test
  void keysSealChunksOfEight_notThePlainHeapsThirtyTwo() throws Exception {
    List<Change<Customer>> changes = new ArrayList<>();
    for (int i = 0; i < 64; i++) { // one key, in order, 63 ms: within the horizon, none pruned
      changes.add(
          Change.updateAfter(
              new Customer(KEY, "s" + (i % 2), "555", Instant.ofEpochMilli(1_000 + i))));
    }
    var recipe = Scd2HeapReuseTest.recipe();

    // 63 kept changes before the latest: seven chunks of 8 sealed, one of 32 on the plain heap
    assertThat(sealedChunks(recipe.harness().withStateChangelog(), changes)).isEqualTo(7);
    assertThat(sealedChunks(recipe.harness(), changes)).isEqualTo(1);
  }

  /** The sealed chunks of kept changes {@link #KEY} has after {@code changes} on the heap. */
  private static int sealedChunks(
      KeyedHarness<String, Change<Customer>, Change<Scd2Row<Customer>>> recipe,
      List<Change<Customer>> changes)
      throws Exception {
    try (OperatorHarness<Change<Customer>, Change<Scd2Row<Customer>>> h = recipe.open()) {
      for (Change<Customer> change : changes) {
        h.processElement(change);
      }
      return Scd2Harnesses.sealedChunks(h, KEY);
    }
  }
}
