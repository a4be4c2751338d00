/**
 * The composition model of etlkit.
 *
 * <p>{@link dev.etlkit.core.Etl} starts a named {@link dev.etlkit.core.EtlPipeline}; {@link
 * dev.etlkit.core.EtlStream#apply} adds {@link dev.etlkit.core.EtlStep}s, each of which expands
 * itself onto Flink's DataStream API with stable uids, dead letters ({@link
 * dev.etlkit.core.DeadLetter}), record accounting ({@link dev.etlkit.core.StepMetrics}), state TTL
 * ({@link dev.etlkit.core.StateTtls}) and a state inventory ({@link
 * dev.etlkit.core.StateInventory}). {@link dev.etlkit.core.Change} is the typed changelog record;
 * {@link dev.etlkit.core.Changelogs} bridges it to the Table API.
 */
package dev.etlkit.core;
