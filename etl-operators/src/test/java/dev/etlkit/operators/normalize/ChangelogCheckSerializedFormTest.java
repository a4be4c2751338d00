package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.normalize.NormalizeHarnesses.DEAD_LETTERS;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.checker;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Rule 4b compares the rows' serialized forms, as docs/normalize.md says: "the live row" is the row
 * as its serializer writes it, not as {@code equals} compares it.
 */
class ChangelogCheckSerializedFormTest {

  /** A row with a map, which Flink's map serializer writes in iteration order. */
  public record Tagged(String id, Map<String, String> tags, BigDecimal amount) {}

  private static final TypeInformation<Tagged> TYPE = TypeInformation.of(Tagged.class);

  /** "Aa" and "BB" have one hash code: a HashMap iterates them in insertion order. */
  private static Map<String, String> tags(String first, String second) {
    Map<String, String> tags = new HashMap<>();
    tags.put(first, "1");
    tags.put(second, "1");
    return tags;
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void retractionEqualToTheLiveRowButSerializedOtherwise_isReported(StateBackendKind backend)
      throws Exception {
    assertThat(TYPE).isInstanceOf(PojoTypeInfo.class);
    Tagged live = new Tagged("k1", tags("Aa", "BB"), new BigDecimal("1.0"));
    Tagged sameEntriesOtherOrder = new Tagged("k1", tags("BB", "Aa"), new BigDecimal("1.0"));
    Tagged otherScale = new Tagged("k1", tags("Aa", "BB"), new BigDecimal("1.00"));
    assertThat(sameEntriesOtherOrder).isEqualTo(live);
    try (OperatorHarness<Change<Tagged>, Change<Tagged>> harness =
        checker(
                ChangelogCheck.validate("check", Tagged::id, Types.STRING).withFullChangelog(),
                TYPE,
                null)
            .recipe
            .on(backend)
            .open()) {
      harness.processElement(Change.insert(live), 1);
      harness.processElement(Change.delete(sameEntriesOtherOrder), 2); // equal, other bytes
      harness.processElement(Change.delete(otherScale), 3); // 1.00 is not 1.0, as for equals
      harness.processElement(Change.delete(live), 4);

      assertThat(harness.sideOutput(DEAD_LETTERS))
          .extracting(l -> l.errorMessage())
          .containsExactly(
              "retraction does not carry the live row of its key (full changelog)",
              "retraction does not carry the live row of its key (full changelog)");
      assertThat(harness.output()).containsExactly(Change.insert(live), Change.delete(live));
    }
  }
}
