"""The population health pipeline: one definition in Ibis, run by DuckDB (default) or Spark.

Each step is a function of Ibis tables returning an Ibis table, with no engine-specific code
(:mod:`pcnhub.analytics.engines` holds all of that); :func:`pcnhub.analytics.run.run_pipeline` runs
them in this order, materialising each result as Parquet:

=====================  ================================================================================
``population``         :func:`.population.registered`: registered patients on ``as_of``, age, age band
``flags_events``       :func:`.flags.events_table`: the one pass over events, every step's needs per patient
``flags_medications``  :func:`.flags.medications_table`: the one pass over medications, the same
``frailty``            :func:`.frailty.efi`: the Electronic Frailty Index of people aged 65+
``polypharmacy``       :func:`.polypharmacy.repeat_medicines`: distinct repeat medicines, 10+ flagged
``multimorbidity``     :func:`.multimorbidity.cms`: Cambridge Multimorbidity Score, condition count
``qrisk3``             :func:`.qrisk3.qrisk3`: QRISK3-2017 10-year CVD risk (25-84, no CVD)
``segments``           :func:`.segments.segment`: the Bridges to Health segment of each patient
``cohorts``            :func:`.cohorts.cohorts`: network service specification cohorts
``features``           :func:`.features.features`: everything per patient (``patient_features.parquet``)
``aggregates``         :func:`.aggregates.aggregates`: practice, PCN, ICB counts with disclosure control
``variation``          :func:`.variation.variation`: standardised ratios and funnel limits by practice
=====================  ================================================================================
"""
