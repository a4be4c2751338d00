package dev.etlkit.operators.filter.internal;

import java.io.Serializable;
import java.util.List;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.FilterFunction;

/**
 * The routing rule of a {@code Route} step, without Flink: which routes a record goes to.
 *
 * <p>Routes are numbered in declaration order, {@code 0 .. predicates-1}; the otherwise route, if
 * any, is number {@code predicates}. With first-match, a record goes to the first route whose
 * predicate holds (later predicates are not evaluated); with all-matches, to every route whose
 * predicate holds (all are evaluated). A record no predicate accepts goes to the otherwise route,
 * or nowhere when there is none. A predicate that throws aborts the selection before anything was
 * emitted.
 */
@Internal
public final class RouteSelector<T> implements Serializable {
  private static final long serialVersionUID = 1L;

  private final FilterFunction<T>[] predicates;
  private final boolean hasOtherwise;
  private final boolean allMatches;

  @SuppressWarnings("unchecked")
  public RouteSelector(
      List<? extends FilterFunction<T>> predicates, boolean hasOtherwise, boolean allMatches) {
    if (predicates.isEmpty()) {
      throw new IllegalArgumentException("at least one predicate is required");
    }
    this.predicates = predicates.toArray(new FilterFunction[0]);
    this.hasOtherwise = hasOtherwise;
    this.allMatches = allMatches;
  }

  /** Number of routes, the otherwise route included; the length {@link #select} needs. */
  public int routeCount() {
    return predicates.length + (hasOtherwise ? 1 : 0);
  }

  /**
   * Selects the routes of {@code value}.
   *
   * @param into receives the selected route numbers, ascending; at least {@link #routeCount()}
   *     long, reused across calls
   * @return how many routes were selected; 0 means none (the record is filtered)
   * @throws Exception what a predicate threw; nothing was selected then
   */
  public int select(T value, int[] into) throws Exception {
    int selected = 0;
    for (int i = 0; i < predicates.length; i++) {
      if (predicates[i].filter(value)) {
        into[selected++] = i;
        if (!allMatches) {
          return 1;
        }
      }
    }
    if (selected == 0 && hasOtherwise) {
      into[0] = predicates.length;
      return 1;
    }
    return selected;
  }
}
