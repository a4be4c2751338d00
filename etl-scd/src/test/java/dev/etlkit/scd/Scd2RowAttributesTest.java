package dev.etlkit.scd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Instant;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Attributes of Flink's {@code Row} type, positioned or named, in the harness. */
class Scd2RowAttributesTest {

  static final TypeInformation<Row> ROW =
      Types.ROW_NAMED(
          new String[] {"id", "segment", "phone", "at"},
          Types.STRING,
          Types.STRING,
          Types.STRING,
          Types.INSTANT);

  static Row named(String id, String segment, String phone, int day) {
    Row row = Row.withNames();
    row.setField("id", id);
    row.setField("segment", segment);
    row.setField("phone", phone);
    row.setField("at", Brief.day(day));
    return row;
  }

  static Scd2Step<Row, Row> step() {
    return Scd2.<Row>trackRows(
            "rows",
            r -> (String) r.getField("id"),
            EffectiveTime.field(r -> (Instant) r.getField("at")))
        .withChangeDetection(ChangeDetection.allExcept("at"))
        .withType1Columns("phone");
  }

  /**
   * A {@code Row} built by name ({@code Row.withNames()}, as Table API interop and hand-written map
   * functions make them) is a valid value of a named row type: Flink's serializer copies and writes
   * it. The step compares its columns by name then, not by position.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void namedRows_areComparedByName(StateBackendKind backend) throws Exception {
    var recipe = Scd2Harnesses.of(step(), ROW);
    try (var h = recipe.open(backend)) {
      h.processElement(named("c1", "retail", "555", 1));
      h.processElement(named("c1", "retail", "555", 2)); // only "at": nothing
      h.processElement(named("c1", "retail", "666", 3)); // Type 1: overwrites v1
      h.processElement(named("c1", "vip", "666", 4)); // tracked: v2

      List<String> shown = Scd2Harnesses.show(h.output());
      assertThat(shown).hasSize(6);
      assertThat(h.output())
          .extracting(Change::kind)
          .containsExactly(
              RowKind.INSERT,
              RowKind.UPDATE_BEFORE,
              RowKind.UPDATE_AFTER,
              RowKind.UPDATE_BEFORE,
              RowKind.UPDATE_AFTER,
              RowKind.INSERT);
      assertThat(h.output().get(5).value().version()).isEqualTo(2);
      assertThat(h.output().get(5).value().value().getField("segment")).isEqualTo("vip");
      assertThat(h.sideOutput(Scd2Harnesses.DEAD_LETTERS)).isEmpty();
      assertThat(recipe.function().stepMetrics().deduplicatedCount()).isEqualTo(1);
    }
  }
}
