-- a copied database must never send invoices to the real Chorus Pro: simulation, seeded credentials
UPDATE res_company
   SET chorus_environment = 'simulation',
       chorus_simulator_url = NULL,
       chorus_tech_login = NULL,
       chorus_tech_password = NULL,
       chorus_piste_client_id = NULL,
       chorus_piste_client_secret = NULL,
       chorus_auto_transfer = false;
UPDATE ir_cron
   SET active = false
 WHERE id IN (SELECT res_id FROM ir_model_data WHERE module = 'l10n_fr_chorus_btp' AND model = 'ir.cron');
