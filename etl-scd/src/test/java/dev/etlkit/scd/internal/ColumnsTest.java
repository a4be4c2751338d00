package dev.etlkit.scd.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.scd.ChangeDetection;
import dev.etlkit.scd.Tag;
import dev.etlkit.scd.Tagged;
import java.util.List;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.junit.jupiter.api.Test;

/**
 * Columns read primitive fields unboxed, with the semantics of {@code equals} of the boxes; every
 * test runs on the compiled comparisons and on the reflective readers (where the JVM refuses them).
 */
class ColumnsTest {

  /** One column of each kind a reader handles. */
  public record Mixed(
      long count, int rank, double score, boolean active, short level, String name, int[] tags) {}

  private static final Columns<Mixed> COLUMNS =
      Columns.resolve(TypeInformation.of(Mixed.class), ChangeDetection.all(), List.of());

  /** The columns compiled, and through reflection only. */
  private static <T> List<Columns<T>> both(Columns<T> columns) {
    assertThat(columns.isCompiled()).isTrue();
    Columns<T> reflective = columns.reflectionOnly();
    assertThat(reflective.isCompiled()).isFalse();
    return List.of(columns, reflective);
  }

  private static Mixed mixed(double score) {
    return new Mixed(1L, 2, score, true, (short) 3, "a", new int[] {4});
  }

  @Test
  void sameRow_equalColumnsInOtherInstances_isTrue() {
    for (Columns<Mixed> columns : both(COLUMNS)) {
      assertThat(columns.sameRow(mixed(0.5), mixed(0.5))).isTrue();
      assertThat(columns.sameTracked(mixed(0.5), mixed(0.5))).isTrue();
    }
  }

  @Test
  void sameRow_eachColumnChanged_isFalse() {
    Mixed base = mixed(0.5);
    List<Mixed> changed =
        List.of(
            new Mixed(9L, 2, 0.5, true, (short) 3, "a", new int[] {4}),
            new Mixed(1L, 9, 0.5, true, (short) 3, "a", new int[] {4}),
            new Mixed(1L, 2, 0.7, true, (short) 3, "a", new int[] {4}),
            new Mixed(1L, 2, 0.5, false, (short) 3, "a", new int[] {4}),
            new Mixed(1L, 2, 0.5, true, (short) 9, "a", new int[] {4}),
            new Mixed(1L, 2, 0.5, true, (short) 3, "b", new int[] {4}),
            new Mixed(1L, 2, 0.5, true, (short) 3, "a", new int[] {9}));
    for (Columns<Mixed> columns : both(COLUMNS)) {
      for (Mixed other : changed) {
        assertThat(columns.sameRow(base, other)).as(other.toString()).isFalse();
        assertThat(columns.sameTracked(base, other)).as(other.toString()).isFalse();
      }
    }
  }

  @Test
  void sameRow_doubles_compareAsDoubleEquals() {
    for (Columns<Mixed> columns : both(COLUMNS)) {
      for (double[] pair :
          new double[][] {{Double.NaN, Double.NaN}, {0.0, -0.0}, {1.0, 1.0}, {1.0, 2.0}}) {
        assertThat(columns.sameRow(mixed(pair[0]), mixed(pair[1])))
            .as(pair[0] + " vs " + pair[1])
            .isEqualTo(Objects.equals(pair[0], pair[1]));
      }
    }
  }

  @Test
  void sameTracked_onlyTheTrackedColumns_ignoresTheOthers() {
    Columns<Mixed> scoreOnly =
        Columns.resolve(
            TypeInformation.of(Mixed.class), ChangeDetection.only("score"), List.of("count"));
    Mixed a = mixed(0.5);
    Mixed b = new Mixed(7L, 8, 0.5, false, (short) 3, "z", new int[] {4});
    for (Columns<Mixed> columns : both(scoreOnly)) {
      assertThat(columns.sameTracked(a, b)).isTrue();
      assertThat(columns.sameType1(a, b)).isFalse();
      assertThat(columns.sameType1(a, new Mixed(1L, 0, 0.0, false, (short) 0, null, null)))
          .as("only the Type-1 column count")
          .isTrue();
      assertThat(columns.sameTracked(a, mixed(0.25))).isFalse();
      assertThat(columns.sameRow(a, b)).isFalse();
    }
  }

  @Test
  void aColumnWhoseEqualsThrows_isNamedWithTheExceptionsClass_notTheValue() {
    Columns<Tagged> tagged =
        Columns.resolve(Tagged.TYPE, ChangeDetection.allExcept("at", "seq"), List.of("note"));
    Tagged a = Tagged.of("c1", "a", 1);
    Tagged poisonTag = Tagged.of("c1", Tag.POISON, 1);
    Tagged poisonNote = a.withNote(Tag.POISON);
    for (Columns<Tagged> columns : both(tagged)) {
      assertThatThrownBy(() -> columns.sameTracked(a, poisonTag))
          .isInstanceOf(Columns.ComparisonException.class)
          .hasMessage("comparing column 'tag' threw " + IllegalStateException.class.getName())
          .hasCauseInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> columns.sameType1(a, poisonNote))
          .isInstanceOf(Columns.ComparisonException.class)
          .hasMessage("comparing column 'note' threw " + IllegalStateException.class.getName());
      assertThatThrownBy(() -> columns.sameRow(poisonNote, a))
          .isInstanceOf(Columns.ComparisonException.class)
          .hasMessage("comparing column 'note' threw " + IllegalStateException.class.getName());
      assertThat(columns.sameTracked(a, poisonNote)).as("the note is not tracked").isTrue();
    }
  }
}
