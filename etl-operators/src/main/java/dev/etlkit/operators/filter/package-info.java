/**
 * Filtering, projection and routing: {@link dev.etlkit.operators.filter.Filters#where} with {@link
 * dev.etlkit.operators.filter.NamedPredicate named predicates}, {@link
 * dev.etlkit.operators.filter.Project#to typed projections} and {@link
 * dev.etlkit.operators.filter.Route#by routing} to several named outputs.
 *
 * <p>A record these steps drop on purpose is counted as filtered, never dead-lettered; a record
 * whose predicate or projection throws (or whose projection returns null) becomes a dead letter,
 * per the step's error policy.
 */
package dev.etlkit.operators.filter;
