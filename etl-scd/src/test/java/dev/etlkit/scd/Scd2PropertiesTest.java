package dev.etlkit.scd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.scd.internal.HistoryDriver;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The history rules (plain Java, no Flink) against the reference model, over generated changelogs
 * in every configuration: in order, shuffled within and beyond the horizon, with redeliveries,
 * deletes and re-inserts, ties, and state maps iterating in random order.
 */
class Scd2PropertiesTest {

  @Provide
  Arbitrary<Scd2Variant> variants() {
    return Arbitraries.of(Scd2Variant.spread());
  }

  @Property(tries = 1000)
  void history_anyChangelog_materializesToTheReference_andKeepsTheInvariants(
      @ForAll("variants") Scd2Variant variant,
      @ForAll long seed,
      @ForAll("windows") int shuffleWindow)
      throws Exception {
    List<Change<Account>> delivered =
        Scd2Generator.messy().withShuffleWindow(shuffleWindow).generate(seed);
    Scd2Reference.Result<Account> expected = variant.expected(delivered);

    HistoryDriver<Account> driver =
        new HistoryDriver<>(variant.step().config(Change.typeInfo(Account.TYPE), null), seed);
    for (Change<Account> change : delivered) {
      long sequence = variant.bySourcePosition() ? change.sourcePosition() : 0L;
      driver.apply(change.value().id(), change, change.eventTime(), sequence);
    }

    Map<String, Scd2Row<Account>> actual = Scd2Invariants.materialize(driver.output());
    assertThat(actual).isEqualTo(expected.byVersion());
    variant.invariants().check(actual.values());
    assertThat(driver.late()).isEqualTo(expected.late().size());
  }

  @Provide
  Arbitrary<Integer> windows() {
    return Arbitraries.of(1, 3, 8);
  }
}
