package dev.etlkit.scd;

import dev.etlkit.core.Change;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.api.java.functions.KeySelector;

/**
 * One configuration of the SCD2 step over generated {@link Account} changelogs, and the reference
 * and invariants that go with it.
 */
public record Scd2Variant(
    Scd2Output output,
    HardDeletes deletes,
    ChangeDetection detection,
    List<String> type1,
    boolean bySourcePosition,
    long horizonMillis,
    @Nullable Instant validToCurrent) {

  /** This variant with another lateness horizon. */
  public Scd2Variant withHorizon(long millis) {
    return new Scd2Variant(
        output, deletes, detection, type1, bySourcePosition, millis, validToCurrent);
  }

  /** A spread of variants covering every option value at least once. */
  public static List<Scd2Variant> spread() {
    List<Scd2Variant> variants = new ArrayList<>();
    variants.add(
        new Scd2Variant(
            Scd2Output.RETRACT,
            HardDeletes.INVALIDATE,
            ChangeDetection.all(),
            List.of(),
            false,
            25,
            null));
    variants.add(
        new Scd2Variant(
            Scd2Output.UPSERT,
            HardDeletes.NEW_RECORD,
            ChangeDetection.allExcept("note"),
            List.of("email"),
            true,
            25,
            Scd2.END_OF_TIME));
    variants.add(
        new Scd2Variant(
            Scd2Output.APPEND,
            HardDeletes.NEW_RECORD,
            ChangeDetection.only("plan"),
            List.of(),
            true,
            25,
            null));
    variants.add(
        new Scd2Variant(
            Scd2Output.RETRACT,
            HardDeletes.IGNORE,
            ChangeDetection.only("plan"),
            List.of("email"),
            false,
            0,
            null));
    variants.add(
        new Scd2Variant(
            Scd2Output.APPEND,
            HardDeletes.INVALIDATE,
            ChangeDetection.all(),
            List.of("note"),
            false,
            0,
            null));
    variants.add(
        new Scd2Variant(
            Scd2Output.RETRACT,
            HardDeletes.NEW_RECORD,
            ChangeDetection.allExcept("note"),
            List.of(),
            true,
            60,
            null));
    return variants;
  }

  public Scd2Step<Change<Account>, Account> step() {
    return step(Account::id);
  }

  /** The step over another account type, keyed by {@code id} (its columns named as Account's). */
  public <T> Scd2Step<Change<T>, T> step(KeySelector<T, String> id) {
    Scd2Step<Change<T>, T> step =
        Scd2.trackChangelog("accounts", id, EffectiveTime.<T>changeEventTime())
            .withOutput(output)
            .withHardDeletes(deletes)
            .withChangeDetection(detection)
            .withLatenessHorizon(Duration.ofMillis(horizonMillis))
            .withValidToCurrent(validToCurrent)
            .withTieBreak(bySourcePosition ? TieBreak.sourcePosition() : TieBreak.arrival());
    return type1.isEmpty() ? step : step.withType1Columns(type1.toArray(new String[0]));
  }

  public Scd2Reference<Account> reference() {
    return Scd2Reference.ofColumns(Account.COLUMNS, detection, type1)
        .withHardDeletes(deletes)
        .withHorizon(Duration.ofMillis(horizonMillis))
        .withOutput(output)
        .withValidToCurrent(validToCurrent);
  }

  public Scd2Invariants invariants() {
    return Scd2Invariants.of(deletes, output, validToCurrent);
  }

  public Scd2Reference.Result<Account> expected(List<Change<Account>> delivered) {
    return reference().replay(Scd2Generator.inputs(delivered, bySourcePosition));
  }
}
