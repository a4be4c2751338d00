package dev.etlkit.operators.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.dedup.internal.DedupConfig;
import dev.etlkit.operators.internal.OperatorStateCopies;
import dev.etlkit.testkit.CompiledClasses;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.io.IOException;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Dedup registers {@code dedup-fingerprint-key} only while its entries keep fingerprints, which for
 * retract output depends on the row type: a row POJO with a {@code Map} field is fingerprinted, the
 * same POJO without it (a field removed: a supported evolution) is compared field by field. After
 * such an upgrade nobody registers the restored state, and Flink writes it into every snapshot as
 * restored. Found by a review on 2026-11-24, when the key was a union list state: restored on every
 * subtask with all subtasks' entries, its copies multiplied by the parallelism with every restore
 * (2, 4, 8 at parallelism 2). As a broadcast state each subtask gets one copy.
 */
class DedupFingerprintKeyCopiesTest {

  private static final String ROW = "dev.etlkit.operators.dedup.review.Tagged";
  private static final int PARALLELISM = 2;
  private static final int RESTORES = 3;

  @TempDir static Path sources;

  private static Version withMap;
  private static Version withoutMap;

  @BeforeAll
  static void compileTheVersions() throws Exception {
    withMap =
        Version.compile(
            sources.resolve("v1"),
            "public String id; public String name; public java.util.Map<String, String> tags;");
    withoutMap = Version.compile(sources.resolve("v2"), "public String id; public String name;");
  }

  @AfterAll
  static void closeTheClassLoaders() throws IOException {
    withMap.loader.close();
    withoutMap.loader.close();
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepLastRetract_rowTypeNoLongerFingerprinted_keyCopiesDoNotMultiplyWithEveryRestore(
      StateBackendKind backend) throws Exception {
    KeyedHarness<Object, Object, Change<Object>> before = withMap.harness(backend);
    List<OperatorSubtaskState> savepoints = new ArrayList<>();
    for (int subtask = 0; subtask < PARALLELISM; subtask++) {
      try (OperatorHarness<Object, Change<Object>> h = before.openSubtask(PARALLELISM, subtask)) {
        h.processElement(withMap.row(idOf(before, subtask), "Ann"), 1);
        savepoints.add(h.savepoint());
      }
    }
    assertThat(keyCopies(savepoints)).containsOnly(1);

    KeyedHarness<Object, Object, Change<Object>> after = withoutMap.harness(backend);
    List<Integer> perRestore = new ArrayList<>();
    for (int restore = 0; restore < RESTORES; restore++) {
      List<OperatorSubtaskState> next = new ArrayList<>();
      for (int subtask = 0; subtask < PARALLELISM; subtask++) {
        try (OperatorHarness<Object, Change<Object>> h =
            after.restoreSubtask(savepoints, PARALLELISM, subtask)) {
          h.processElement(withoutMap.row(idOf(after, subtask), "Ann " + restore), 2 + restore);
          next.add(h.savepoint());
        }
      }
      savepoints = next;
      perRestore.add(keyCopies(savepoints).stream().mapToInt(Integer::intValue).max().orElse(0));
    }

    // at most one copy per subtask; today [2, 4, 8]
    assertThat(perRestore).as("key copies per subtask after each restore").allMatch(n -> n <= 1);
  }

  /** An id the given subtask of {@link #PARALLELISM} owns (routing reads the id only). */
  private static String idOf(KeyedHarness<Object, Object, Change<Object>> recipe, int subtask)
      throws Exception {
    for (int i = 0; ; i++) {
      String id = "a" + i;
      if (recipe.subtaskOf(withMap.row(id, "x"), PARALLELISM) == subtask) {
        return id;
      }
    }
  }

  private static List<Integer> keyCopies(List<OperatorSubtaskState> snapshots) {
    return OperatorStateCopies.of(snapshots, DedupConfig.FINGERPRINT_KEY_STATE);
  }

  /** One version of the row class, in a class loader of its own. */
  private static final class Version {
    final URLClassLoader loader;
    final Class<?> rowClass;

    private Version(URLClassLoader loader) throws ClassNotFoundException {
      this.loader = loader;
      this.rowClass = loader.loadClass(ROW);
    }

    static Version compile(Path dir, String fields) throws Exception {
      String row =
          "package dev.etlkit.operators.dedup.review;\n"
              + "public class Tagged {\n  "
              + fields
              + "\n  @Override public String toString() { return id + \"/\" + name; }\n}\n";
      return new Version(
          CompiledClasses.compile(
              dir, Map.of(ROW, row), DedupFingerprintKeyCopiesTest.class.getClassLoader()));
    }

    Object row(String id, String name) throws Exception {
      Object row = rowClass.getConstructor().newInstance();
      rowClass.getField("id").set(row, id);
      rowClass.getField("name").set(row, name);
      return row;
    }

    KeyedHarness<Object, Object, Change<Object>> harness(StateBackendKind backend) {
      @SuppressWarnings("unchecked")
      TypeInformation<Object> type = (TypeInformation<Object>) TypeInformation.of(rowClass);
      Dedup.DedupStep<Object, Object, String, Change<Object>> step =
          Dedup.keepLast("dedup", new IdKey()).withKeyType(Types.STRING).withRetractOutput();
      return DedupHarness.expand(step, type, loader).harness().on(backend);
    }
  }

  /** The key: the {@code id} field of whatever class the row has. */
  private static final class IdKey implements KeySelector<Object, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String getKey(Object row) throws Exception {
      return (String) row.getClass().getField("id").get(row);
    }
  }
}
