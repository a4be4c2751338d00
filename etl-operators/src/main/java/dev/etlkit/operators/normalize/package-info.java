/**
 * Upsert normalization and the changelog contract check.
 *
 * <ul>
 *   <li>{@link dev.etlkit.operators.normalize.Normalize#upserts} turns an upsert changelog by key
 *       (inserts, updates and deletes, possibly key-only, without before-images) into a full
 *       changelog with {@code UPDATE_BEFORE} and full-row {@code DELETE}s, dropping no-op updates
 *       and redeliveries, optionally version-aware ({@link
 *       dev.etlkit.operators.normalize.ChangeSequence}) so a stale change never overwrites newer
 *       state: Flink SQL's {@code ChangelogNormalize} as a visible, tunable step.
 *   <li>{@link dev.etlkit.operators.normalize.ChangelogCheck#validate} checks that a changelog is
 *       well formed as it flows and routes every violation to the dead letters.
 * </ul>
 *
 * <p>See {@code docs/normalize.md} for the semantics tables, policies and the differences from
 * Flink SQL.
 */
package dev.etlkit.operators.normalize;
