package dev.etlkit.scd.internal;

import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimerService;

/**
 * The cleanup timers of {@link KeyHistory} for {@link Scd2Function}: registers them with the timer
 * service of the record or timer at hand, and counts the deleted keys the delete retention forgets.
 */
final class ServiceCleanupTimers implements KeyHistory.CleanupTimers {
  private final Counter deleteMarkersRemoved;
  private TimerService service;

  ServiceCleanupTimers(Counter deleteMarkersRemoved) {
    this.deleteMarkersRemoved = deleteMarkersRemoved;
  }

  /** The timer service of the record or timer at hand. */
  void use(TimerService timerService) {
    service = timerService;
  }

  @Override
  public void delete(long processingTime) {
    service.deleteProcessingTimeTimer(processingTime);
  }

  @Override
  public void deletedKeyForgotten() {
    deleteMarkersRemoved.inc();
  }

  @Override
  public void register(long processingTime) {
    service.registerProcessingTimeTimer(processingTime);
  }

  @Override
  public long currentTime() {
    return service.currentProcessingTime();
  }
}
