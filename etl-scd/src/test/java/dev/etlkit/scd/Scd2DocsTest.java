package dev.etlkit.scd;

import static dev.etlkit.scd.Brief.brief;
import static dev.etlkit.scd.Brief.customer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.Changelogs;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.RowMapping;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.RowTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.Test;

/** The examples of docs/scd2.md, compiled and checked. */
class Scd2DocsTest {

  private final StreamExecutionEnvironment env =
      StreamExecutionEnvironment.getExecutionEnvironment();

  private DataStream<Change<Customer>> customerChanges() {
    return env.fromData(
        List.of(Change.insert(customer("c1", "retail", "555", 1))), Change.typeInfo(Customer.TYPE));
  }

  @Test
  void pipeline_changelogInput() {
    DataStream<Change<Customer>> customerChanges = customerChanges();
    // tag::scd2-pipeline[]
    Scd2Step<Change<Customer>, Customer> dimension =
        Scd2.trackChangelog("customer-dim", Customer::id, EffectiveTime.field(Customer::updatedAt))
            .withChangeDetection(ChangeDetection.allExcept("updatedAt")) // audit column
            .withType1Columns("phone") // corrected in place, no new version
            .withLatenessHorizon(Duration.ofDays(2))
            .withHardDeletes(HardDeletes.NEW_RECORD)
            .withValidToCurrent(Scd2.END_OF_TIME);

    EtlStream<Change<Scd2Row<Customer>>> history =
        Etl.from(customerChanges, "crm").apply(dimension);
    DataStream<Change<Customer>> late = dimension.lateChanges(history); // beyond the horizon
    // end::scd2-pipeline[]

    assertThat(history.pipeline().uids()).containsExactly("crm/customer-dim");
    assertThat(late.getType()).isEqualTo(Change.typeInfo(Customer.TYPE));
    // cursor, base, chunks, changes, the timer service; the flag whether every key has a cleanup
    // timer and the TTL the timers were set with
    assertThat(history.stateInventory().entries()).hasSize(7);
  }

  @Test
  void pipeline_rowInput() {
    DataStream<Customer> snapshots =
        env.fromData(List.of(customer("c1", "retail", "555", 1)), Customer.TYPE);
    // tag::scd2-rows[]
    EtlStream<Change<Scd2Row<Customer>>> history =
        Etl.from(snapshots, "crm")
            .apply(
                Scd2.trackRows("customer-dim", Customer::id, EffectiveTime.recordTimestamp())
                    .withChangeDetection(ChangeDetection.only("segment"))
                    .withOutput(Scd2Output.UPSERT));
    // end::scd2-rows[]

    assertThat(history.type()).isEqualTo(Change.typeInfo(Scd2Row.typeInfo(Customer.TYPE)));
  }

  @Test
  void splice_ofALateChange() throws Exception {
    var recipe =
        Scd2Harnesses.of(
            Scd2.trackChangelog(
                    "customer-dim", Customer::id, EffectiveTime.field(Customer::updatedAt))
                .withChangeDetection(ChangeDetection.allExcept("updatedAt"))
                .withLatenessHorizon(Duration.ofDays(2)),
            Change.typeInfo(Customer.TYPE));
    try (OperatorHarness<Change<Customer>, Change<Scd2Row<Customer>>> harness =
        recipe.open(StateBackendKind.HEAP)) {
      // tag::scd2-splice[]
      harness.processElement(Change.insert(customer("c1", "retail", "555", 1))); // Jan 1
      harness.processElement(Change.updateAfter(customer("c1", "vip", "555", 4))); // Jan 4
      harness.processElement(Change.updateAfter(customer("c1", "gold", "555", 3))); // late: Jan 3

      assertThat(brief(harness.output()))
          .containsExactly(
              "+I c1 v1 [d1,) current retail/555",
              "-U c1 v1 [d1,) current retail/555", // Jan 4: v1 closes ...
              "+U c1 v1 [d1,d4) retail/555",
              "+I c1 v2 [d4,) current vip/555", // ... and v2 opens
              "-U c1 v1 [d1,d4) retail/555", // Jan 3 arrives: v1 closes earlier,
              "+U c1 v1 [d1,d3) retail/555",
              "-U c1 v2 [d4,) current vip/555", // vip becomes version 3,
              "+U c1 v3 [d4,) current vip/555",
              "+I c1 v2 [d3,d4) gold/555"); // gold is spliced in between
      // end::scd2-splice[]
    }
  }

  @Test
  void rowMapping_forATableSink() {
    EtlStream<Change<Scd2Row<Customer>>> history =
        Etl.from(customerChanges(), "crm")
            .apply(
                Scd2.trackChangelog(
                        "customer-dim", Customer::id, EffectiveTime.field(Customer::updatedAt))
                    .withChangeDetection(ChangeDetection.allExcept("updatedAt")));
    // tag::scd2-row-mapping[]
    RowMapping<Scd2Row<Customer>> columns =
        RowMapping.of(
            new RowTypeInfo(
                new TypeInformation<?>[] {
                  Types.STRING,
                  Types.STRING,
                  Types.STRING,
                  Types.INSTANT,
                  Types.INSTANT,
                  Types.BOOLEAN,
                  Types.LONG,
                  Types.BOOLEAN,
                  Types.STRING
                },
                new String[] {
                  "customer_id",
                  "segment",
                  "phone",
                  "valid_from",
                  "valid_to",
                  "is_current",
                  "version",
                  "is_deleted",
                  "version_id"
                }),
            Scd2Row.typeInfo(Customer.TYPE),
            v ->
                Row.of(
                    v.key(),
                    v.value().segment(),
                    v.value().phone(),
                    v.validFrom(),
                    v.validTo(),
                    v.isCurrent(),
                    v.version(),
                    v.isDeleted(),
                    v.versionId()),
            row -> {
              throw new UnsupportedOperationException("write-only mapping");
            });
    DataStream<Row> rows = Changelogs.toRows(history.toDataStream(), columns);
    // end::scd2-row-mapping[]

    assertThat(rows.getType()).isEqualTo(columns.rowType());
    Instant jan4 = Instant.parse("2024-01-04T00:00:00Z");
    Row row =
        columns.toRow(
            Scd2Row.of(
                "c1", customer("c1", "vip", "555", 4), jan4.toEpochMilli(), null, true, 2L, false));
    assertThat(row.getField(8)).isEqualTo(Scd2Row.versionIdOf("c1", jan4));
  }
}
