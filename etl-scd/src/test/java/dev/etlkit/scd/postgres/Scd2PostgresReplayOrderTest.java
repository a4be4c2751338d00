package dev.etlkit.scd.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.scd.Account;
import dev.etlkit.scd.ChangeDetection;
import dev.etlkit.scd.EffectiveTime;
import dev.etlkit.scd.HardDeletes;
import dev.etlkit.scd.Scd2;
import dev.etlkit.scd.Scd2Generator;
import dev.etlkit.scd.Scd2Harnesses;
import dev.etlkit.scd.Scd2Invariants;
import dev.etlkit.scd.Scd2Output;
import dev.etlkit.scd.Scd2Reference;
import dev.etlkit.scd.Scd2Row;
import dev.etlkit.scd.Scd2Step;
import dev.etlkit.scd.TieBreak;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import javax.annotation.Nullable;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What an at-least-once sink of {@link dev.etlkit.scd.Scd2PostgresTable} leaves in the table after
 * a restore: the failed attempt wrote the changes of part of what followed the checkpoint, then the
 * replay writes all of them again. Written through a real PostgreSQL (embedded, one per test JVM),
 * the step run in a harness on the heap.
 *
 * <p>When the replay delivers each key's changes in the order the failed attempt read them, the
 * table ends with the history of all changes, as documented (append output, written with {@link
 * AccountHistoryTable#append}'s insert that ignores a version already there: the final versions;
 * with a horizon short enough for it to have final versions, some changes are late, in the replay
 * as in the failed attempt). When it delivers them in another order (several source splits or a
 * union feeding one key), a row the failed attempt wrote can stay: the restored state does not know
 * it, so no change of the replay deletes it. That is the documented limit of the at-least-once sink
 * (docs/scd2.md, "Writing the history into PostgreSQL"); an exactly-once sink rolls the failed
 * attempt's writes back.
 */
class Scd2PostgresReplayOrderTest {

  /** Long enough that no change of a generated changelog is late, in any order. */
  private static final Duration HORIZON = Duration.ofHours(1);

  /**
   * For append output, which emits only versions a horizon behind their key's latest change: covers
   * the generated disorder (deliveries shuffled by up to 6 changes of 10 ms), not a changelog's
   * span.
   */
  private static final Duration APPEND_HORIZON = Duration.ofMillis(100);

  /** Generated changelogs per output mode (each a cut, a failed attempt and a replay). */
  private static final int SEEDS = 60;

  @RegisterExtension static final PostgresDatabase DATABASE = new PostgresDatabase();

  /**
   * Generated changelogs (ties, exact redeliveries, deletes and re-inserts, update-befores, out of
   * order within the horizon), checkpointed at a random cut; the failed attempt writes a random
   * part of the rest, the replay all of it in the same order. The table ends as the reference
   * history of all changes, every invariant holding.
   */
  @ParameterizedTest
  @EnumSource(
      value = Scd2Output.class,
      names = {"RETRACT", "UPSERT", "APPEND"})
  void replayInTheSameOrder_afterARestore_leavesTheReferenceHistory(Scd2Output output)
      throws Exception {
    Case run = new Case(output, "replay_" + output.name().toLowerCase());
    int versions = 0;
    for (long seed = 0; seed < SEEDS; seed++) {
      List<Change<Account>> delivered = Scd2Generator.messy().generate(seed);
      Random random = new Random(seed);
      int cut = random.nextInt(delivered.size());
      List<Change<Account>> rest = delivered.subList(cut, delivered.size());

      List<Scd2Row<Account>> rows =
          run.run(
              delivered.subList(0, cut), rest.subList(0, random.nextInt(rest.size() + 1)), rest);

      Scd2Invariants.of(run.deletes, output, run.openEnd).check(rows);
      assertThat(rows).as("seed %d", seed).isEqualTo(run.expected(delivered));
      versions += rows.size();
    }
    assertThat(versions).as("versions written").isGreaterThan(SEEDS);
    assertThat(run.late > 0)
        .as("late changes (append output)")
        .isEqualTo(output == Scd2Output.APPEND);
  }

  /**
   * The documented limit: the failed attempt writes a version opened at 00:03 after the checkpoint;
   * the replay brings a change at 00:02 with the same attributes first, so the change at 00:03
   * opens nothing in it, and the row the failed attempt wrote stays beside the history of all
   * changes: two current rows.
   */
  @Test
  void replayInAnotherOrder_keepsAVersionOnlyTheFailedAttemptOpened() throws Exception {
    Change<Account> first = change(new Account("a1", "basic", "x@mail", "n1"), 1_000, 1);
    Change<Account> later = change(new Account("a1", "pro", "x@mail", "n1"), 3_000, 2);
    Change<Account> between = change(new Account("a1", "pro", "x@mail", "n1"), 2_000, 3);
    Case run = new Case(Scd2Output.RETRACT, "replay_reordered");
    List<Scd2Row<Account>> history = run.expected(List.of(first, later, between));

    List<Scd2Row<Account>> rows = run.run(List.of(first), List.of(later), List.of(between, later));

    assertThat(history).hasSize(2);
    assertThat(rows).containsAll(history).hasSize(3);
    assertThat(rows.stream().filter(Scd2Row::isCurrent)).hasSize(2);
  }

  /** One step configuration and its table. */
  private static final class Case {
    final Scd2Output output;
    final HardDeletes deletes;
    @Nullable final Instant openEnd;
    final Duration horizon;
    final AccountHistoryTable table;

    /** Late changes in the changelogs of append output (the others have none). */
    int late;

    Case(Scd2Output output, String tableName) {
      this.output = output;
      boolean upsert = output == Scd2Output.UPSERT;
      this.deletes = upsert ? HardDeletes.NEW_RECORD : HardDeletes.INVALIDATE;
      this.openEnd = upsert ? Scd2.END_OF_TIME : null;
      this.horizon = output == Scd2Output.APPEND ? APPEND_HORIZON : HORIZON;
      this.table = new AccountHistoryTable(tableName);
    }

    Scd2Step<Change<Account>, Account> step() {
      Scd2Step<Change<Account>, Account> step =
          Scd2.trackChangelog("history", Account::id, EffectiveTime.<Account>changeEventTime())
              .withTieBreak(TieBreak.sourcePosition())
              .withLatenessHorizon(horizon)
              .withOutput(output)
              .withHardDeletes(deletes);
      return openEnd == null ? step : step.withValidToCurrent(openEnd);
    }

    /**
     * Writes the output of {@code checkpointed}, snapshots, writes the output of {@code failed}
     * (the attempt that fails), restores the snapshot, writes the output of {@code replay}; returns
     * the table.
     */
    List<Scd2Row<Account>> run(
        List<Change<Account>> checkpointed,
        List<Change<Account>> failed,
        List<Change<Account>> replay)
        throws Exception {
      Scd2Harnesses.Recipe<Change<Account>, Account> recipe =
          Scd2Harnesses.of(step(), Change.typeInfo(Account.TYPE));
      try (Connection db = DATABASE.connect()) {
        try (Statement statement = db.createStatement()) {
          statement.execute("DROP TABLE IF EXISTS " + table.name());
        }
        table.create(db);
        OperatorSubtaskState checkpoint;
        try (OperatorHarness<Change<Account>, Change<Scd2Row<Account>>> harness =
            recipe.open(StateBackendKind.HEAP)) {
          process(harness, checkpointed, db);
          checkpoint = harness.snapshot();
          process(harness, failed, db);
        }
        try (OperatorHarness<Change<Account>, Change<Scd2Row<Account>>> harness =
            recipe.harness().on(StateBackendKind.HEAP).restore(checkpoint)) {
          process(harness, replay, db);
        }
        return table.read(db);
      }
    }

    private void process(
        OperatorHarness<Change<Account>, Change<Scd2Row<Account>>> harness,
        List<Change<Account>> changes,
        Connection db)
        throws Exception {
      for (Change<Account> change : changes) {
        harness.processElement(change, change.eventTime());
      }
      if (output == Scd2Output.APPEND) {
        table.append(db, harness.output()); // the idempotent insert of append output
      } else {
        table.write(db, harness.output());
      }
      harness.clearOutput();
    }

    List<Scd2Row<Account>> expected(List<Change<Account>> changes) {
      Scd2Reference.Result<Account> reference =
          Scd2Reference.ofColumns(Account.COLUMNS, ChangeDetection.all(), List.of())
              .withHardDeletes(deletes)
              .withHorizon(horizon)
              .withOutput(output)
              .withValidToCurrent(openEnd)
              .replay(Scd2Generator.inputs(changes, true));
      if (output == Scd2Output.APPEND) {
        late += reference.late().size();
      } else {
        assertThat(reference.late()).as("no change is late").isEmpty();
      }
      return reference.rows();
    }
  }

  private static Change<Account> change(Account account, long time, long position) {
    return Change.of(RowKind.UPDATE_AFTER, account, time, position);
  }
}
