package dev.etlkit.operators.enrich.internal.join;

import dev.etlkit.core.Change;
import dev.etlkit.operators.internal.DeleteDeadlinePass;

/**
 * The state and rules of one join variant, called by {@link DimensionJoinOperator} with the key
 * context set. Implementations keep their state handles and reach output, metrics and rejections
 * through the operator.
 */
interface JoinLogic<F, D> {

  /** Creates the state handles; called from the operator's {@code open()}. */
  void open() throws Exception;

  /** A fact (already counted in); {@code timestamp} is meaningful only if {@code hasTimestamp}. */
  void fact(F fact, boolean hasTimestamp, long timestamp) throws Exception;

  /** A dimension change other than {@code -U} (already counted in). */
  void dimension(Change<D> change, boolean hasTimestamp, long timestamp) throws Exception;

  /** An event-time timer of the current key fired. */
  void onEventTime(long time) throws Exception;

  /** A processing-time timer of the current key fired. */
  void onProcessingTime(long time) throws Exception;

  /**
   * The pass after a restore ({@link DeleteDeadlinePass}, delete retention only): gives every
   * delete marker the deadline the pass says, reading every key once.
   *
   * @return how many markers got a deadline or another one
   */
  long giveRestoredDeadlines(DeleteDeadlinePass pass) throws Exception;

  /** End of input: release every fact still in state (with the key context set per key). */
  void finish() throws Exception;
}
