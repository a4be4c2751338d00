package dev.etlkit.operators.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.CompiledClasses;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.io.IOException;
import java.net.URLClassLoader;
import java.nio.file.Path;
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
 * Fingerprints are of the bytes the row serializer writes. An enum writes its constant's position:
 * a constant inserted in the middle (which Flink's enum serializer supports in state) makes another
 * constant write the bytes the kept one wrote. Here {@code Region {EU, US}} becomes {@code Region
 * {APAC, EU, US}}: the kept row's {@code US} (position 1) and the new row's {@code EU} (position 1)
 * serialize alike. Found by a review on 2026-11-24 (older than keyed fingerprints): the real change
 * had the kept row's fingerprint and was dropped as a no-op. The fingerprint key's state now keeps
 * a digest of the row serializer's snapshot, and a step whose serializer differs draws a new key:
 * no kept fingerprint is recognised, the change is emitted.
 */
class DedupEnumEvolutionFingerprintTest {

  private static final String ROW = "dev.etlkit.operators.dedup.review.Account";
  private static final String REGION = "dev.etlkit.operators.dedup.review.Region";

  @TempDir static Path sources;

  private static Version v1;
  private static Version v2;

  @BeforeAll
  static void compileTheVersions() throws Exception {
    v1 = Version.compile(sources.resolve("v1"), "EU, US");
    v2 = Version.compile(sources.resolve("v2"), "APAC, EU, US");
  }

  @AfterAll
  static void closeTheClassLoaders() throws IOException {
    v1.loader.close();
    v2.loader.close();
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepLastUpsert_enumConstantInsertedBeforeTheKeptOne_aChangedRowIsStillEmitted(
      StateBackendKind backend) throws Exception {
    OperatorSubtaskState savepoint;
    try (OperatorHarness<Object, Change<Object>> h = v1.harness(backend).open()) {
      h.processElement(v1.row("a1", "US"), 1);
      savepoint = h.savepoint();
    }

    try (OperatorHarness<Object, Change<Object>> h = v2.harness(backend).restore(savepoint)) {
      Object moved = v2.row("a1", "EU"); // the account moved from US to EU: a change
      h.processElement(moved, 2);

      assertThat(h.output()).isEqualTo(List.of(Change.updateAfter(moved)));
    }
  }

  /** One version of the row class and its enum, in a class loader of its own. */
  private static final class Version {
    final URLClassLoader loader;
    final Class<?> rowClass;
    final Class<?> regionClass;

    private Version(URLClassLoader loader) throws ClassNotFoundException {
      this.loader = loader;
      this.rowClass = loader.loadClass(ROW);
      this.regionClass = loader.loadClass(REGION);
    }

    static Version compile(Path dir, String constants) throws Exception {
      String region =
          "package dev.etlkit.operators.dedup.review;\npublic enum Region { " + constants + " }\n";
      String row =
          "package dev.etlkit.operators.dedup.review;\n"
              + "public class Account {\n"
              + "  public String id;\n"
              + "  public Region region;\n"
              + "  @Override public boolean equals(Object o) {\n"
              + "    return o instanceof Account a && java.util.Objects.equals(id, a.id)"
              + " && region == a.region;\n"
              + "  }\n"
              + "  @Override public int hashCode() { return java.util.Objects.hash(id, region); }\n"
              + "  @Override public String toString() { return id + \"/\" + region; }\n"
              + "}\n";
      return new Version(
          CompiledClasses.compile(
              dir,
              Map.of(ROW, row, REGION, region),
              DedupEnumEvolutionFingerprintTest.class.getClassLoader()));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    Object row(String id, String region) throws Exception {
      Object row = rowClass.getConstructor().newInstance();
      rowClass.getField("id").set(row, id);
      rowClass.getField("region").set(row, Enum.valueOf((Class) regionClass, region));
      return row;
    }

    KeyedHarness<Object, Object, Change<Object>> harness(StateBackendKind backend) {
      @SuppressWarnings("unchecked")
      TypeInformation<Object> type = (TypeInformation<Object>) TypeInformation.of(rowClass);
      Dedup.DedupStep<Object, Object, String, Change<Object>> step =
          Dedup.keepLast("dedup", new IdKey()).withKeyType(Types.STRING);
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
