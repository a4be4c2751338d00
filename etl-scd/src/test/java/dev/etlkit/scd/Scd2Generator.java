package dev.etlkit.scd;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.HarnessInput;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.apache.flink.types.RowKind;

/**
 * Seeded changelogs of {@link Account}s, delivered messily: effective times (the changes' event
 * times) in source order with ties, deliveries shuffled within a window (so some changes are out of
 * order and some late), exact redeliveries, deletes and re-inserts, update-befores. The same
 * settings and seed give the same changelog.
 */
public final class Scd2Generator {

  /** Effective times advance in steps of this many milliseconds. */
  public static final long UNIT = 10;

  private final int keys;
  private final int length;
  private final double deleteRate;
  private final double tieRate;
  private final double duplicateRate;
  private final double updateBeforeRate;
  private final int shuffleWindow;

  private Scd2Generator(
      int keys,
      int length,
      double deleteRate,
      double tieRate,
      double duplicateRate,
      double updateBeforeRate,
      int shuffleWindow) {
    this.keys = keys;
    this.length = length;
    this.deleteRate = deleteRate;
    this.tieRate = tieRate;
    this.duplicateRate = duplicateRate;
    this.updateBeforeRate = updateBeforeRate;
    this.shuffleWindow = shuffleWindow;
  }

  /** Three keys, 24 changes, every kind of mess. */
  public static Scd2Generator messy() {
    return new Scd2Generator(3, 24, 0.15, 0.15, 0.1, 0.2, 6);
  }

  public Scd2Generator withKeys(int count) {
    return new Scd2Generator(
        count, length, deleteRate, tieRate, duplicateRate, updateBeforeRate, shuffleWindow);
  }

  public Scd2Generator withLength(int count) {
    return new Scd2Generator(
        keys, count, deleteRate, tieRate, duplicateRate, updateBeforeRate, shuffleWindow);
  }

  /** 1 delivers in source order. */
  public Scd2Generator withShuffleWindow(int window) {
    return new Scd2Generator(
        keys, length, deleteRate, tieRate, duplicateRate, updateBeforeRate, window);
  }

  public Scd2Generator withDeleteRate(double rate) {
    return new Scd2Generator(
        keys, length, rate, tieRate, duplicateRate, updateBeforeRate, shuffleWindow);
  }

  /** The changes in delivery order; event time = effective time, source position = sequence. */
  public List<Change<Account>> generate(long seed) {
    Random random = new Random(seed);
    long[] time = new long[keys];
    Account[] live = new Account[keys];
    for (int k = 0; k < keys; k++) {
      time[k] = 1_000 + random.nextInt(4) * UNIT;
    }
    List<Change<Account>> source = new ArrayList<>();
    long position = 0;
    for (int i = 0; i < length; i++) {
      int k = random.nextInt(keys);
      String id = "a" + k;
      if (random.nextDouble() >= tieRate || i == 0) {
        time[k] += (1 + random.nextInt(3)) * UNIT;
      }
      if (live[k] != null && random.nextDouble() < deleteRate) {
        source.add(Change.of(RowKind.DELETE, live[k], time[k], ++position));
        live[k] = null;
        continue;
      }
      Account next =
          new Account(
              id,
              random.nextBoolean() ? "basic" : "pro",
              random.nextBoolean() ? "x@mail" : "y@mail",
              random.nextBoolean() ? "n1" : "n2");
      if (live[k] == null) {
        source.add(Change.of(RowKind.INSERT, next, time[k], ++position));
      } else {
        if (random.nextDouble() < updateBeforeRate) {
          source.add(Change.of(RowKind.UPDATE_BEFORE, live[k], time[k], position + 1));
        }
        source.add(Change.of(RowKind.UPDATE_AFTER, next, time[k], ++position));
      }
      live[k] = next;
    }
    return deliver(source, random);
  }

  private List<Change<Account>> deliver(List<Change<Account>> source, Random random) {
    record Delivery(Change<Account> change, double at) {}
    List<Delivery> deliveries = new ArrayList<>();
    for (int i = 0; i < source.size(); i++) {
      double at = i + random.nextDouble() * shuffleWindow;
      deliveries.add(new Delivery(source.get(i), at));
      if (random.nextDouble() < duplicateRate) {
        deliveries.add(new Delivery(source.get(i), at + random.nextDouble() * shuffleWindow * 2));
      }
    }
    deliveries.sort(Comparator.comparingDouble(Delivery::at));
    List<Change<Account>> delivered = new ArrayList<>(deliveries.size());
    for (Delivery d : deliveries) {
      delivered.add(d.change());
    }
    return delivered;
  }

  /** The delivery as a harness script (record timestamp = event time). */
  public static HarnessInput<Change<Account>> script(List<Change<Account>> delivered) {
    HarnessInput.Builder<Change<Account>> script = HarnessInput.builder();
    for (Change<Account> change : delivered) {
      script.element(change, change.eventTime());
    }
    return script.build();
  }

  /**
   * The delivery as reference inputs: update-befores left out, deletes as deletes.
   *
   * @param bySourcePosition true when ties break by source position, else by arrival
   */
  public static List<Scd2Reference.Input<Account>> inputs(
      List<Change<Account>> delivered, boolean bySourcePosition) {
    List<Scd2Reference.Input<Account>> inputs = new ArrayList<>();
    for (Change<Account> change : delivered) {
      long sequence = bySourcePosition ? change.sourcePosition() : 0L;
      String key = change.value().id();
      if (change.kind() == RowKind.DELETE) {
        inputs.add(Scd2Reference.Input.delete(key, change.eventTime(), sequence));
      } else if (change.kind() != RowKind.UPDATE_BEFORE) {
        inputs.add(Scd2Reference.Input.upsert(key, change.eventTime(), sequence, change.value()));
      }
    }
    return inputs;
  }
}
