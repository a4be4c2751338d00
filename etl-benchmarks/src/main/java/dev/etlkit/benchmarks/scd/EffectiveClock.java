package dev.etlkit.benchmarks.scd;

import dev.etlkit.scd.EffectiveTime;
import java.time.Instant;

/**
 * The effective time of a benchmark record: its {@code updatedAt}, plus one input span for every
 * completed pass over the replayed input, so that effective times keep growing as the wrapping
 * cursor replays the same records. Every implementation reads it once per record through the same
 * {@link EffectiveTime.TimeField} interface the SCD2 step uses. Passes are counted from the calls
 * once {@link #start()} was called (before that, while state is preloaded, times are read as they
 * are).
 */
final class EffectiveClock implements EffectiveTime.TimeField<Customer> {
  private static final long serialVersionUID = 1L;

  private final int passBits;
  private final long passSpan;
  private boolean started;
  private long calls;

  /**
   * @param passLength records per pass over the input, a power of two
   * @param passSpan how far effective times advance during one pass, in milliseconds
   */
  EffectiveClock(int passLength, long passSpan) {
    if (Integer.bitCount(passLength) != 1) {
      throw new IllegalArgumentException("passLength must be a power of two, was " + passLength);
    }
    this.passBits = Integer.numberOfTrailingZeros(passLength);
    this.passSpan = passSpan;
  }

  /** From now on every call is one measured record. */
  void start() {
    started = true;
    calls = 0;
  }

  @Override
  public Instant of(Customer customer) {
    long time = customer.updatedAt;
    if (started) {
      time += (calls++ >>> passBits) * passSpan;
    }
    return Instant.ofEpochMilli(time);
  }
}
