PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE IF NOT EXISTS "branch" ("id" INTEGER NOT NULL PRIMARY KEY, "uid" VARCHAR(36) NOT NULL, "origin" VARCHAR(16), "version" VARCHAR(48), "seq" INTEGER, "deleted" INTEGER NOT NULL, "code" VARCHAR(32) NOT NULL, "name" VARCHAR(255) NOT NULL);
INSERT INTO branch VALUES(1,'01a21170-2ac4-7485-b16d-1a7b057376f5','JX01','1795588893379-0000000001-JX01',1,0,'JX01','嘉兴南湖支公司');
CREATE TABLE IF NOT EXISTS "user" ("id" INTEGER NOT NULL PRIMARY KEY, "uid" VARCHAR(36) NOT NULL, "origin" VARCHAR(16), "version" VARCHAR(48), "seq" INTEGER, "deleted" INTEGER NOT NULL, "username" VARCHAR(64) NOT NULL, "name" VARCHAR(255) NOT NULL, "password_hash" VARCHAR(255) NOT NULL, "role" VARCHAR(16) NOT NULL, "branch_id" INTEGER, "language" VARCHAR(8) NOT NULL, "active" INTEGER NOT NULL, "failed_logins" INTEGER NOT NULL, "locked_until" DATETIME, "last_login_at" DATETIME, FOREIGN KEY ("branch_id") REFERENCES "branch" ("id"));
INSERT INTO user VALUES(1,'01a21170-2b10-70b8-87a3-3389e00664c7','JX01','1795588893455-0000000004-JX01',4,0,'admin','admin','scrypt:32768:8:1$xoMRKFLK68yrac4E$21202dab21d363e2fb442263034e41f80e0622cc40e6f45efc07b83a082762625af3aa73c8ee55f4a01c545b824d703b1058f7d09dae1ead387a03345b5a9ae7','admin',1,'zh',1,0,NULL,NULL);
INSERT INTO user VALUES(2,'01a21170-2c1c-7064-8156-09f9fa5cd954','JX01','1795588893723-0000000006-JX01',6,0,'wang','王芳','scrypt:32768:8:1$lljA9HNHHZIekThu$e2a2bf7d7f9ffe621d9eac6733e6218608fffcd45404c5c3a64b4362b55f6fd73030f8ef092ecba2a69bdafb83d53f473de7f8cdd19a7b465ef974776827b2fc','agent',1,'zh',1,0,NULL,NULL);
CREATE TABLE IF NOT EXISTS "township" ("id" INTEGER NOT NULL PRIMARY KEY, "uid" VARCHAR(36) NOT NULL, "origin" VARCHAR(16), "version" VARCHAR(48), "seq" INTEGER, "deleted" INTEGER NOT NULL, "district" VARCHAR(255) NOT NULL, "name" VARCHAR(255) NOT NULL, "manager_id" INTEGER, FOREIGN KEY ("manager_id") REFERENCES "user" ("id"));
INSERT INTO township VALUES(1,'01900000-0000-7000-8000-000000000001','JX01','1795588893776-0000000008-JX01',8,0,'南湖区','新丰镇',2);
CREATE TABLE IF NOT EXISTS "customer" ("id" INTEGER NOT NULL PRIMARY KEY, "uid" VARCHAR(36) NOT NULL, "origin" VARCHAR(16), "version" VARCHAR(48), "seq" INTEGER, "deleted" INTEGER NOT NULL, "kind" VARCHAR(16) NOT NULL, "name" VARCHAR(255) NOT NULL, "id_type" VARCHAR(16), "id_number" VARCHAR(32), "phone" VARCHAR(32), "phone2" VARCHAR(32), "address" VARCHAR(255), "township_id" INTEGER, "industry" VARCHAR(255), "source" VARCHAR(16) NOT NULL, "credit" VARCHAR(16) NOT NULL, "intermediary_type" VARCHAR(16), "manager_id" INTEGER, "birth_date" DATE, "notes" TEXT NOT NULL, "segment" VARCHAR(16) NOT NULL, "segment_reason" TEXT, "segment_date" DATE, "annual_premium" INTEGER NOT NULL, "key_designation" VARCHAR(16), "key_reason" TEXT, "exempt_until" DATE, "exempt_reason" TEXT, "last_contact_date" DATE, "merged_into_id" INTEGER, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, FOREIGN KEY ("township_id") REFERENCES "township" ("id"), FOREIGN KEY ("manager_id") REFERENCES "user" ("id"), FOREIGN KEY ("merged_into_id") REFERENCES "customer" ("id"));
INSERT INTO customer VALUES(1,'01900000-0000-7000-8000-000000000002','JX01','1795588893777-0000000009-JX01',9,0,'individual','张伟','resident_id','330402198001011236','13812345678',NULL,NULL,1,NULL,'core_system','good',NULL,2,NULL,'老客户','standard',NULL,NULL,623000,NULL,NULL,NULL,NULL,NULL,NULL,'2020-01-01 09:00:00','2020-01-01 09:00:00');
CREATE TABLE IF NOT EXISTS "activity" ("id" INTEGER NOT NULL PRIMARY KEY, "uid" VARCHAR(36) NOT NULL, "origin" VARCHAR(16), "version" VARCHAR(48), "seq" INTEGER, "deleted" INTEGER NOT NULL, "customer_id" INTEGER NOT NULL, "user_id" INTEGER, "kind" VARCHAR(16) NOT NULL, "outcome" VARCHAR(16) NOT NULL, "notes" TEXT NOT NULL, "date" DATE NOT NULL, "next_action_date" DATE, "created_at" DATETIME NOT NULL, FOREIGN KEY ("customer_id") REFERENCES "customer" ("id"), FOREIGN KEY ("user_id") REFERENCES "user" ("id"));
CREATE TABLE IF NOT EXISTS "audit_log" ("id" INTEGER NOT NULL PRIMARY KEY, "uid" VARCHAR(36) NOT NULL, "origin" VARCHAR(16), "version" VARCHAR(48), "seq" INTEGER, "deleted" INTEGER NOT NULL, "at" DATETIME NOT NULL, "user_id" INTEGER, "username" VARCHAR(255) NOT NULL, "action" VARCHAR(48) NOT NULL, "target" VARCHAR(255) NOT NULL, "details" TEXT, "ip" VARCHAR(64) NOT NULL, FOREIGN KEY ("user_id") REFERENCES "user" ("id"));
INSERT INTO audit_log VALUES(1,'01a21170-2ac5-7be7-a40e-fb706ae7041f','JX01','1795588893381-0000000003-JX01',3,0,'2026-11-25 06:41:33',NULL,'','rules_changed','rule_settings:01a21170-2ac5-75e3-8051-7c456bc26f82','{"changes": {}}','');
INSERT INTO audit_log VALUES(2,'01a21170-2b11-7498-a46b-48aeb310d763','JX01','1795588893457-0000000005-JX01',5,0,'2026-11-25 06:41:33',1,'admin','site_initialised','site:JX01','{"hq": false, "name": "嘉兴南湖支公司"}','');
INSERT INTO audit_log VALUES(3,'01a21170-2c1c-7309-8fc2-e73f2ba51162','JX01','1795588893724-0000000007-JX01',7,0,'2026-11-25 06:41:33',NULL,'','user_added','user:01a21170-2c1c-7064-8156-09f9fa5cd954','{"role": "agent", "username": "wang"}','');
CREATE TABLE IF NOT EXISTS "blacklist_entry" ("id" INTEGER NOT NULL PRIMARY KEY, "uid" VARCHAR(36) NOT NULL, "origin" VARCHAR(16), "version" VARCHAR(48), "seq" INTEGER, "deleted" INTEGER NOT NULL, "customer_id" INTEGER, "id_number" VARCHAR(32), "name" VARCHAR(255) NOT NULL, "reason" VARCHAR(24) NOT NULL, "unit" VARCHAR(255) NOT NULL, "reporter_id" INTEGER, "reported_on" DATE NOT NULL, "evidence" TEXT NOT NULL, "active" INTEGER NOT NULL, "lifted_by_id" INTEGER, "lifted_on" DATE, "lift_reason" TEXT, FOREIGN KEY ("customer_id") REFERENCES "customer" ("id"), FOREIGN KEY ("reporter_id") REFERENCES "user" ("id"), FOREIGN KEY ("lifted_by_id") REFERENCES "user" ("id"));
CREATE TABLE IF NOT EXISTS "vehicle" ("id" INTEGER NOT NULL PRIMARY KEY, "uid" VARCHAR(36) NOT NULL, "origin" VARCHAR(16), "version" VARCHAR(48), "seq" INTEGER, "deleted" INTEGER NOT NULL, "customer_id" INTEGER NOT NULL, "plate" VARCHAR(16), "vin" VARCHAR(17), "brand_model" VARCHAR(255), "registered_on" DATE, FOREIGN KEY ("customer_id") REFERENCES "customer" ("id"));
CREATE TABLE IF NOT EXISTS "policy" ("id" INTEGER NOT NULL PRIMARY KEY, "uid" VARCHAR(36) NOT NULL, "origin" VARCHAR(16), "version" VARCHAR(48), "seq" INTEGER, "deleted" INTEGER NOT NULL, "policy_no" VARCHAR(64) NOT NULL, "source" VARCHAR(32) NOT NULL, "customer_id" INTEGER NOT NULL, "product" VARCHAR(255) NOT NULL, "channel" VARCHAR(16) NOT NULL, "intermediary_id" INTEGER, "insurer" VARCHAR(255) NOT NULL, "premium" INTEGER NOT NULL, "sum_insured" INTEGER, "start_date" DATE NOT NULL, "end_date" DATE NOT NULL, "cancelled" INTEGER NOT NULL, "renewal_of_id" INTEGER, "vehicle_id" INTEGER, FOREIGN KEY ("customer_id") REFERENCES "customer" ("id"), FOREIGN KEY ("intermediary_id") REFERENCES "customer" ("id"), FOREIGN KEY ("renewal_of_id") REFERENCES "policy" ("id"), FOREIGN KEY ("vehicle_id") REFERENCES "vehicle" ("id"));
INSERT INTO policy VALUES(1,'01900000-0000-7000-8000-000000000003','JX01','1795588893777-0000000010-JX01',10,0,'PDAA2019330400000001','core',1,'商业车险','direct',NULL,'',623000,NULL,'2019-03-01','2020-02-29',0,NULL,NULL);
CREATE TABLE IF NOT EXISTS "claim" ("id" INTEGER NOT NULL PRIMARY KEY, "uid" VARCHAR(36) NOT NULL, "origin" VARCHAR(16), "version" VARCHAR(48), "seq" INTEGER, "deleted" INTEGER NOT NULL, "claim_no" VARCHAR(64) NOT NULL, "source" VARCHAR(32) NOT NULL, "policy_id" INTEGER NOT NULL, "customer_id" INTEGER NOT NULL, "loss_date" DATE NOT NULL, "report_date" DATE, "paid" INTEGER NOT NULL, "reserve" INTEGER NOT NULL, "status" VARCHAR(16) NOT NULL, "cause" VARCHAR(255) NOT NULL, "fraud_suspected" INTEGER NOT NULL, FOREIGN KEY ("policy_id") REFERENCES "policy" ("id"), FOREIGN KEY ("customer_id") REFERENCES "customer" ("id"));
CREATE TABLE IF NOT EXISTS "customer_ref" ("id" INTEGER NOT NULL PRIMARY KEY, "uid" VARCHAR(36) NOT NULL, "origin" VARCHAR(16), "version" VARCHAR(48), "seq" INTEGER, "deleted" INTEGER NOT NULL, "customer_id" INTEGER NOT NULL, "source" VARCHAR(32) NOT NULL, "ref" VARCHAR(64) NOT NULL, FOREIGN KEY ("customer_id") REFERENCES "customer" ("id"));
CREATE TABLE IF NOT EXISTS "meta" ("key" VARCHAR(255) NOT NULL PRIMARY KEY, "value" TEXT NOT NULL);
INSERT INTO meta VALUES('schema_version','1');
CREATE TABLE IF NOT EXISTS "rule_settings" ("id" INTEGER NOT NULL PRIMARY KEY, "uid" VARCHAR(36) NOT NULL, "origin" VARCHAR(16), "version" VARCHAR(48), "seq" INTEGER, "deleted" INTEGER NOT NULL, "number" INTEGER NOT NULL, "values" TEXT NOT NULL, "note" TEXT NOT NULL, "created_by_id" INTEGER, "created_at" DATETIME NOT NULL, FOREIGN KEY ("created_by_id") REFERENCES "user" ("id"));
INSERT INTO rule_settings VALUES(1,'01a21170-2ac5-75e3-8051-7c456bc26f82','JX01','1795588893381-0000000002-JX01',2,0,1,'{"blacklist_claims_12m": 3, "blacklist_loss_ratio_12m": "1.50", "blacklist_quota": 5, "coverage_gap_days": 30, "key_annual_premium": "50000.00", "key_channel_premium": "500000.00", "key_tender_premium": "50000.00", "prospect_intent_days": 365, "quality_claim_free_years": 3, "quality_max_loss_ratio": "0.30", "quality_tenure_years": 3}','defaults',NULL,'2026-11-25 06:41:33');
CREATE TABLE IF NOT EXISTS "segment_change" ("id" INTEGER NOT NULL PRIMARY KEY, "uid" VARCHAR(36) NOT NULL, "origin" VARCHAR(16), "version" VARCHAR(48), "seq" INTEGER, "deleted" INTEGER NOT NULL, "customer_id" INTEGER NOT NULL, "from_segment" VARCHAR(16), "to_segment" VARCHAR(16) NOT NULL, "flow" VARCHAR(16), "reason" TEXT, "changed_on" DATE NOT NULL, "annual_premium" INTEGER NOT NULL, FOREIGN KEY ("customer_id") REFERENCES "customer" ("id"));
CREATE TABLE IF NOT EXISTS "site" ("id" INTEGER NOT NULL PRIMARY KEY, "code" VARCHAR(16) NOT NULL, "name" VARCHAR(255) NOT NULL, "is_hq" INTEGER NOT NULL, "is_self" INTEGER NOT NULL, "created_at" DATETIME NOT NULL);
INSERT INTO site VALUES(1,'JX01','嘉兴南湖支公司',0,1,'2026-11-25 06:41:33');
CREATE TABLE IF NOT EXISTS "sync_clock" ("id" INTEGER NOT NULL PRIMARY KEY, "site" VARCHAR(16) NOT NULL, "seq" INTEGER NOT NULL, "ms" INTEGER NOT NULL, "epoch" VARCHAR(36) NOT NULL);
INSERT INTO sync_clock VALUES(1,'JX01',11,1795588893777,'01a21170-2ac4-751b-bb92-8dc541d367d2');
CREATE TABLE IF NOT EXISTS "task" ("id" INTEGER NOT NULL PRIMARY KEY, "uid" VARCHAR(36) NOT NULL, "version" VARCHAR(48), "seq" INTEGER, "deleted" INTEGER NOT NULL, "assignee_id" INTEGER, "customer_id" INTEGER, "policy_id" INTEGER, "kind" VARCHAR(16) NOT NULL, "title" VARCHAR(255) NOT NULL, "due_date" DATE NOT NULL, "status" VARCHAR(16) NOT NULL, "origin" VARCHAR(32) NOT NULL, "dedupe_key" VARCHAR(255), "note" TEXT NOT NULL, "done_at" DATETIME, "created_at" DATETIME NOT NULL, FOREIGN KEY ("assignee_id") REFERENCES "user" ("id"), FOREIGN KEY ("customer_id") REFERENCES "customer" ("id"), FOREIGN KEY ("policy_id") REFERENCES "policy" ("id"));
INSERT INTO task VALUES(1,'01900000-0000-7000-8000-000000000004','1795588893777-0000000011-JX01',11,0,2,1,1,'renewal','续保提醒 PDAA2019330400000001','2020-01-30','open','renewal_30','renewal:1:30','',NULL,'2020-01-01 09:00:00');
CREATE UNIQUE INDEX "branch_uid" ON "branch" ("uid");
CREATE INDEX "branch_seq" ON "branch" ("seq");
CREATE UNIQUE INDEX "branch_code" ON "branch" ("code");
CREATE UNIQUE INDEX "user_uid" ON "user" ("uid");
CREATE INDEX "user_seq" ON "user" ("seq");
CREATE UNIQUE INDEX "user_username" ON "user" ("username");
CREATE INDEX "user_branch_id" ON "user" ("branch_id");
CREATE UNIQUE INDEX "township_uid" ON "township" ("uid");
CREATE INDEX "township_seq" ON "township" ("seq");
CREATE INDEX "township_manager_id" ON "township" ("manager_id");
CREATE UNIQUE INDEX "township_district_name" ON "township" ("district", "name");
CREATE UNIQUE INDEX "customer_uid" ON "customer" ("uid");
CREATE INDEX "customer_seq" ON "customer" ("seq");
CREATE INDEX "customer_name" ON "customer" ("name");
CREATE INDEX "customer_id_number" ON "customer" ("id_number");
CREATE INDEX "customer_phone" ON "customer" ("phone");
CREATE INDEX "customer_township_id" ON "customer" ("township_id");
CREATE INDEX "customer_manager_id" ON "customer" ("manager_id");
CREATE INDEX "customer_merged_into_id" ON "customer" ("merged_into_id");
CREATE INDEX "customer_segment_name" ON "customer" ("segment", "name");
CREATE INDEX "customer_township_id_segment" ON "customer" ("township_id", "segment");
CREATE INDEX "customer_manager_id_segment" ON "customer" ("manager_id", "segment");
CREATE INDEX "customer_source_segment" ON "customer" ("source", "segment");
CREATE UNIQUE INDEX "activity_uid" ON "activity" ("uid");
CREATE INDEX "activity_seq" ON "activity" ("seq");
CREATE INDEX "activity_customer_id" ON "activity" ("customer_id");
CREATE INDEX "activity_user_id" ON "activity" ("user_id");
CREATE INDEX "activity_customer_id_date" ON "activity" ("customer_id", "date");
CREATE INDEX "activity_user_id_date" ON "activity" ("user_id", "date");
CREATE UNIQUE INDEX "audit_log_uid" ON "audit_log" ("uid");
CREATE INDEX "audit_log_seq" ON "audit_log" ("seq");
CREATE INDEX "audit_log_at" ON "audit_log" ("at");
CREATE INDEX "audit_log_user_id" ON "audit_log" ("user_id");
CREATE INDEX "audit_log_action" ON "audit_log" ("action");
CREATE UNIQUE INDEX "blacklist_entry_uid" ON "blacklist_entry" ("uid");
CREATE INDEX "blacklist_entry_seq" ON "blacklist_entry" ("seq");
CREATE INDEX "blacklist_entry_customer_id" ON "blacklist_entry" ("customer_id");
CREATE INDEX "blacklist_entry_id_number" ON "blacklist_entry" ("id_number");
CREATE INDEX "blacklist_entry_reporter_id" ON "blacklist_entry" ("reporter_id");
CREATE INDEX "blacklist_entry_lifted_by_id" ON "blacklist_entry" ("lifted_by_id");
CREATE INDEX "blacklist_entry_unit_reported_on" ON "blacklist_entry" ("unit", "reported_on");
CREATE UNIQUE INDEX "vehicle_uid" ON "vehicle" ("uid");
CREATE INDEX "vehicle_seq" ON "vehicle" ("seq");
CREATE INDEX "vehicle_customer_id" ON "vehicle" ("customer_id");
CREATE INDEX "vehicle_plate" ON "vehicle" ("plate");
CREATE INDEX "vehicle_vin" ON "vehicle" ("vin");
CREATE UNIQUE INDEX "policy_uid" ON "policy" ("uid");
CREATE INDEX "policy_seq" ON "policy" ("seq");
CREATE INDEX "policy_policy_no" ON "policy" ("policy_no");
CREATE INDEX "policy_customer_id" ON "policy" ("customer_id");
CREATE INDEX "policy_intermediary_id" ON "policy" ("intermediary_id");
CREATE INDEX "policy_end_date" ON "policy" ("end_date");
CREATE INDEX "policy_renewal_of_id" ON "policy" ("renewal_of_id");
CREATE INDEX "policy_vehicle_id" ON "policy" ("vehicle_id");
CREATE UNIQUE INDEX "policy_source_policy_no" ON "policy" ("source", "policy_no");
CREATE INDEX "policy_customer_id_start_date" ON "policy" ("customer_id", "start_date");
CREATE UNIQUE INDEX "claim_uid" ON "claim" ("uid");
CREATE INDEX "claim_seq" ON "claim" ("seq");
CREATE INDEX "claim_claim_no" ON "claim" ("claim_no");
CREATE INDEX "claim_policy_id" ON "claim" ("policy_id");
CREATE INDEX "claim_customer_id" ON "claim" ("customer_id");
CREATE UNIQUE INDEX "claim_source_claim_no" ON "claim" ("source", "claim_no");
CREATE INDEX "claim_customer_id_loss_date" ON "claim" ("customer_id", "loss_date");
CREATE UNIQUE INDEX "customer_ref_uid" ON "customer_ref" ("uid");
CREATE INDEX "customer_ref_seq" ON "customer_ref" ("seq");
CREATE INDEX "customer_ref_customer_id" ON "customer_ref" ("customer_id");
CREATE UNIQUE INDEX "customer_ref_source_ref" ON "customer_ref" ("source", "ref");
CREATE UNIQUE INDEX "rule_settings_uid" ON "rule_settings" ("uid");
CREATE INDEX "rule_settings_seq" ON "rule_settings" ("seq");
CREATE UNIQUE INDEX "rule_settings_number" ON "rule_settings" ("number");
CREATE INDEX "rule_settings_created_by_id" ON "rule_settings" ("created_by_id");
CREATE UNIQUE INDEX "segment_change_uid" ON "segment_change" ("uid");
CREATE INDEX "segment_change_seq" ON "segment_change" ("seq");
CREATE INDEX "segment_change_customer_id" ON "segment_change" ("customer_id");
CREATE INDEX "segment_change_changed_on" ON "segment_change" ("changed_on");
CREATE INDEX "segment_change_customer_id_changed_on" ON "segment_change" ("customer_id", "changed_on");
CREATE UNIQUE INDEX "site_code" ON "site" ("code");
CREATE UNIQUE INDEX "task_uid" ON "task" ("uid");
CREATE INDEX "task_seq" ON "task" ("seq");
CREATE INDEX "task_assignee_id" ON "task" ("assignee_id");
CREATE INDEX "task_customer_id" ON "task" ("customer_id");
CREATE INDEX "task_policy_id" ON "task" ("policy_id");
CREATE UNIQUE INDEX "task_dedupe_key" ON "task" ("dedupe_key");
CREATE INDEX "task_assignee_id_status_due_date" ON "task" ("assignee_id", "status", "due_date");
CREATE TRIGGER "branch_stamp_insert" AFTER INSERT ON "branch" WHEN NEW.seq IS NULL BEGIN 
            UPDATE sync_clock SET seq = seq + 1, ms = max(ms, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
            UPDATE "branch" SET seq = (SELECT seq FROM sync_clock), version = (SELECT printf('%013d-%010d-%s', ms, seq, site) FROM sync_clock),
                origin = coalesce(NEW.origin, (SELECT site FROM sync_clock))
            WHERE id = NEW.id; END;
CREATE TRIGGER "branch_stamp_update" AFTER UPDATE ON "branch" WHEN NEW.seq IS OLD.seq BEGIN 
            UPDATE sync_clock SET seq = seq + 1, ms = max(ms, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
            UPDATE "branch" SET seq = (SELECT seq FROM sync_clock), version = (SELECT printf('%013d-%010d-%s', ms, seq, site) FROM sync_clock),
                origin = coalesce(NEW.origin, (SELECT site FROM sync_clock))
            WHERE id = NEW.id; END;
CREATE TRIGGER "branch_no_delete" BEFORE DELETE ON "branch" BEGIN SELECT RAISE(ABORT, 'synced rows are never deleted; mark them deleted'); END;
CREATE TRIGGER "user_stamp_insert" AFTER INSERT ON "user" WHEN NEW.seq IS NULL BEGIN 
            UPDATE sync_clock SET seq = seq + 1, ms = max(ms, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
            UPDATE "user" SET seq = (SELECT seq FROM sync_clock), version = (SELECT printf('%013d-%010d-%s', ms, seq, site) FROM sync_clock),
                origin = coalesce(NEW.origin, (SELECT site FROM sync_clock))
            WHERE id = NEW.id; END;
CREATE TRIGGER "user_stamp_update" AFTER UPDATE ON "user" WHEN NEW.seq IS OLD.seq BEGIN 
            UPDATE sync_clock SET seq = seq + 1, ms = max(ms, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
            UPDATE "user" SET seq = (SELECT seq FROM sync_clock), version = (SELECT printf('%013d-%010d-%s', ms, seq, site) FROM sync_clock),
                origin = coalesce(NEW.origin, (SELECT site FROM sync_clock))
            WHERE id = NEW.id; END;
CREATE TRIGGER "user_no_delete" BEFORE DELETE ON "user" BEGIN SELECT RAISE(ABORT, 'synced rows are never deleted; mark them deleted'); END;
CREATE TRIGGER "township_stamp_insert" AFTER INSERT ON "township" WHEN NEW.seq IS NULL BEGIN 
            UPDATE sync_clock SET seq = seq + 1, ms = max(ms, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
            UPDATE "township" SET seq = (SELECT seq FROM sync_clock), version = (SELECT printf('%013d-%010d-%s', ms, seq, site) FROM sync_clock),
                origin = coalesce(NEW.origin, (SELECT site FROM sync_clock))
            WHERE id = NEW.id; END;
CREATE TRIGGER "township_stamp_update" AFTER UPDATE ON "township" WHEN NEW.seq IS OLD.seq BEGIN 
            UPDATE sync_clock SET seq = seq + 1, ms = max(ms, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
            UPDATE "township" SET seq = (SELECT seq FROM sync_clock), version = (SELECT printf('%013d-%010d-%s', ms, seq, site) FROM sync_clock),
                origin = coalesce(NEW.origin, (SELECT site FROM sync_clock))
            WHERE id = NEW.id; END;
CREATE TRIGGER "township_no_delete" BEFORE DELETE ON "township" BEGIN SELECT RAISE(ABORT, 'synced rows are never deleted; mark them deleted'); END;
CREATE TRIGGER "customer_stamp_insert" AFTER INSERT ON "customer" WHEN NEW.seq IS NULL BEGIN 
            UPDATE sync_clock SET seq = seq + 1, ms = max(ms, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
            UPDATE "customer" SET seq = (SELECT seq FROM sync_clock), version = (SELECT printf('%013d-%010d-%s', ms, seq, site) FROM sync_clock),
                origin = coalesce(NEW.origin, (SELECT site FROM sync_clock))
            WHERE id = NEW.id; END;
CREATE TRIGGER "customer_stamp_update" AFTER UPDATE ON "customer" WHEN NEW.seq IS OLD.seq BEGIN 
            UPDATE sync_clock SET seq = seq + 1, ms = max(ms, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
            UPDATE "customer" SET seq = (SELECT seq FROM sync_clock), version = (SELECT printf('%013d-%010d-%s', ms, seq, site) FROM sync_clock),
                origin = coalesce(NEW.origin, (SELECT site FROM sync_clock))
            WHERE id = NEW.id; END;
CREATE TRIGGER "customer_no_delete" BEFORE DELETE ON "customer" BEGIN SELECT RAISE(ABORT, 'synced rows are never deleted; mark them deleted'); END;
CREATE TRIGGER "customer_ref_stamp_insert" AFTER INSERT ON "customer_ref" WHEN NEW.seq IS NULL BEGIN 
            UPDATE sync_clock SET seq = seq + 1, ms = max(ms, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
            UPDATE "customer_ref" SET seq = (SELECT seq FROM sync_clock), version = (SELECT printf('%013d-%010d-%s', ms, seq, site) FROM sync_clock),
                origin = coalesce(NEW.origin, (SELECT site FROM sync_clock))
            WHERE id = NEW.id; END;
CREATE TRIGGER "customer_ref_stamp_update" AFTER UPDATE ON "customer_ref" WHEN NEW.seq IS OLD.seq BEGIN 
            UPDATE sync_clock SET seq = seq + 1, ms = max(ms, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
            UPDATE "customer_ref" SET seq = (SELECT seq FROM sync_clock), version = (SELECT printf('%013d-%010d-%s', ms, seq, site) FROM sync_clock),
                origin = coalesce(NEW.origin, (SELECT site FROM sync_clock))
            WHERE id = NEW.id; END;
CREATE TRIGGER "customer_ref_no_delete" BEFORE DELETE ON "customer_ref" BEGIN SELECT RAISE(ABORT, 'synced rows are never deleted; mark them deleted'); END;
CREATE TRIGGER "vehicle_stamp_insert" AFTER INSERT ON "vehicle" WHEN NEW.seq IS NULL BEGIN 
            UPDATE sync_clock SET seq = seq + 1, ms = max(ms, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
            UPDATE "vehicle" SET seq = (SELECT seq FROM sync_clock), version = (SELECT printf('%013d-%010d-%s', ms, seq, site) FROM sync_clock),
                origin = coalesce(NEW.origin, (SELECT site FROM sync_clock))
            WHERE id = NEW.id; END;
CREATE TRIGGER "vehicle_stamp_update" AFTER UPDATE ON "vehicle" WHEN NEW.seq IS OLD.seq BEGIN 
            UPDATE sync_clock SET seq = seq + 1, ms = max(ms, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
            UPDATE "vehicle" SET seq = (SELECT seq FROM sync_clock), version = (SELECT printf('%013d-%010d-%s', ms, seq, site) FROM sync_clock),
                origin = coalesce(NEW.origin, (SELECT site FROM sync_clock))
            WHERE id = NEW.id; END;
CREATE TRIGGER "vehicle_no_delete" BEFORE DELETE ON "vehicle" BEGIN SELECT RAISE(ABORT, 'synced rows are never deleted; mark them deleted'); END;
CREATE TRIGGER "policy_stamp_insert" AFTER INSERT ON "policy" WHEN NEW.seq IS NULL BEGIN 
            UPDATE sync_clock SET seq = seq + 1, ms = max(ms, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
            UPDATE "policy" SET seq = (SELECT seq FROM sync_clock), version = (SELECT printf('%013d-%010d-%s', ms, seq, site) FROM sync_clock),
                origin = coalesce(NEW.origin, (SELECT site FROM sync_clock))
            WHERE id = NEW.id; END;
CREATE TRIGGER "policy_stamp_update" AFTER UPDATE ON "policy" WHEN NEW.seq IS OLD.seq BEGIN 
            UPDATE sync_clock SET seq = seq + 1, ms = max(ms, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
            UPDATE "policy" SET seq = (SELECT seq FROM sync_clock), version = (SELECT printf('%013d-%010d-%s', ms, seq, site) FROM sync_clock),
                origin = coalesce(NEW.origin, (SELECT site FROM sync_clock))
            WHERE id = NEW.id; END;
CREATE TRIGGER "policy_no_delete" BEFORE DELETE ON "policy" BEGIN SELECT RAISE(ABORT, 'synced rows are never deleted; mark them deleted'); END;
CREATE TRIGGER "claim_stamp_insert" AFTER INSERT ON "claim" WHEN NEW.seq IS NULL BEGIN 
            UPDATE sync_clock SET seq = seq + 1, ms = max(ms, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
            UPDATE "claim" SET seq = (SELECT seq FROM sync_clock), version = (SELECT printf('%013d-%010d-%s', ms, seq, site) FROM sync_clock),
                origin = coalesce(NEW.origin, (SELECT site FROM sync_clock))
            WHERE id = NEW.id; END;
CREATE TRIGGER "claim_stamp_update" AFTER UPDATE ON "claim" WHEN NEW.seq IS OLD.seq BEGIN 
            UPDATE sync_clock SET seq = seq + 1, ms = max(ms, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
            UPDATE "claim" SET seq = (SELECT seq FROM sync_clock), version = (SELECT printf('%013d-%010d-%s', ms, seq, site) FROM sync_clock),
                origin = coalesce(NEW.origin, (SELECT site FROM sync_clock))
            WHERE id = NEW.id; END;
CREATE TRIGGER "claim_no_delete" BEFORE DELETE ON "claim" BEGIN SELECT RAISE(ABORT, 'synced rows are never deleted; mark them deleted'); END;
CREATE TRIGGER "activity_stamp_insert" AFTER INSERT ON "activity" WHEN NEW.seq IS NULL BEGIN 
            UPDATE sync_clock SET seq = seq + 1, ms = max(ms, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
            UPDATE "activity" SET seq = (SELECT seq FROM sync_clock), version = (SELECT printf('%013d-%010d-%s', ms, seq, site) FROM sync_clock),
                origin = coalesce(NEW.origin, (SELECT site FROM sync_clock))
            WHERE id = NEW.id; END;
CREATE TRIGGER "activity_stamp_update" AFTER UPDATE ON "activity" WHEN NEW.seq IS OLD.seq BEGIN 
            UPDATE sync_clock SET seq = seq + 1, ms = max(ms, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
            UPDATE "activity" SET seq = (SELECT seq FROM sync_clock), version = (SELECT printf('%013d-%010d-%s', ms, seq, site) FROM sync_clock),
                origin = coalesce(NEW.origin, (SELECT site FROM sync_clock))
            WHERE id = NEW.id; END;
CREATE TRIGGER "activity_no_delete" BEFORE DELETE ON "activity" BEGIN SELECT RAISE(ABORT, 'synced rows are never deleted; mark them deleted'); END;
CREATE TRIGGER "task_stamp_insert" AFTER INSERT ON "task" WHEN NEW.seq IS NULL BEGIN 
            UPDATE sync_clock SET seq = seq + 1, ms = max(ms, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
            UPDATE "task" SET seq = (SELECT seq FROM sync_clock), version = (SELECT printf('%013d-%010d-%s', ms, seq, site) FROM sync_clock),
                origin = coalesce(NEW.origin, (SELECT site FROM sync_clock))
            WHERE id = NEW.id; END;
CREATE TRIGGER "task_stamp_update" AFTER UPDATE ON "task" WHEN NEW.seq IS OLD.seq BEGIN 
            UPDATE sync_clock SET seq = seq + 1, ms = max(ms, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
            UPDATE "task" SET seq = (SELECT seq FROM sync_clock), version = (SELECT printf('%013d-%010d-%s', ms, seq, site) FROM sync_clock),
                origin = coalesce(NEW.origin, (SELECT site FROM sync_clock))
            WHERE id = NEW.id; END;
CREATE TRIGGER "task_no_delete" BEFORE DELETE ON "task" BEGIN SELECT RAISE(ABORT, 'synced rows are never deleted; mark them deleted'); END;
CREATE TRIGGER "blacklist_entry_stamp_insert" AFTER INSERT ON "blacklist_entry" WHEN NEW.seq IS NULL BEGIN 
            UPDATE sync_clock SET seq = seq + 1, ms = max(ms, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
            UPDATE "blacklist_entry" SET seq = (SELECT seq FROM sync_clock), version = (SELECT printf('%013d-%010d-%s', ms, seq, site) FROM sync_clock),
                origin = coalesce(NEW.origin, (SELECT site FROM sync_clock))
            WHERE id = NEW.id; END;
CREATE TRIGGER "blacklist_entry_stamp_update" AFTER UPDATE ON "blacklist_entry" WHEN NEW.seq IS OLD.seq BEGIN 
            UPDATE sync_clock SET seq = seq + 1, ms = max(ms, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
            UPDATE "blacklist_entry" SET seq = (SELECT seq FROM sync_clock), version = (SELECT printf('%013d-%010d-%s', ms, seq, site) FROM sync_clock),
                origin = coalesce(NEW.origin, (SELECT site FROM sync_clock))
            WHERE id = NEW.id; END;
CREATE TRIGGER "blacklist_entry_no_delete" BEFORE DELETE ON "blacklist_entry" BEGIN SELECT RAISE(ABORT, 'synced rows are never deleted; mark them deleted'); END;
CREATE TRIGGER "segment_change_stamp_insert" AFTER INSERT ON "segment_change" WHEN NEW.seq IS NULL BEGIN 
            UPDATE sync_clock SET seq = seq + 1, ms = max(ms, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
            UPDATE "segment_change" SET seq = (SELECT seq FROM sync_clock), version = (SELECT printf('%013d-%010d-%s', ms, seq, site) FROM sync_clock),
                origin = coalesce(NEW.origin, (SELECT site FROM sync_clock))
            WHERE id = NEW.id; END;
CREATE TRIGGER "segment_change_stamp_update" AFTER UPDATE ON "segment_change" WHEN NEW.seq IS OLD.seq BEGIN 
            UPDATE sync_clock SET seq = seq + 1, ms = max(ms, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
            UPDATE "segment_change" SET seq = (SELECT seq FROM sync_clock), version = (SELECT printf('%013d-%010d-%s', ms, seq, site) FROM sync_clock),
                origin = coalesce(NEW.origin, (SELECT site FROM sync_clock))
            WHERE id = NEW.id; END;
CREATE TRIGGER "segment_change_no_delete" BEFORE DELETE ON "segment_change" BEGIN SELECT RAISE(ABORT, 'synced rows are never deleted; mark them deleted'); END;
CREATE TRIGGER "rule_settings_stamp_insert" AFTER INSERT ON "rule_settings" WHEN NEW.seq IS NULL BEGIN 
            UPDATE sync_clock SET seq = seq + 1, ms = max(ms, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
            UPDATE "rule_settings" SET seq = (SELECT seq FROM sync_clock), version = (SELECT printf('%013d-%010d-%s', ms, seq, site) FROM sync_clock),
                origin = coalesce(NEW.origin, (SELECT site FROM sync_clock))
            WHERE id = NEW.id; END;
CREATE TRIGGER "rule_settings_stamp_update" AFTER UPDATE ON "rule_settings" WHEN NEW.seq IS OLD.seq BEGIN 
            UPDATE sync_clock SET seq = seq + 1, ms = max(ms, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
            UPDATE "rule_settings" SET seq = (SELECT seq FROM sync_clock), version = (SELECT printf('%013d-%010d-%s', ms, seq, site) FROM sync_clock),
                origin = coalesce(NEW.origin, (SELECT site FROM sync_clock))
            WHERE id = NEW.id; END;
CREATE TRIGGER "rule_settings_no_delete" BEFORE DELETE ON "rule_settings" BEGIN SELECT RAISE(ABORT, 'synced rows are never deleted; mark them deleted'); END;
CREATE TRIGGER "audit_log_stamp_insert" AFTER INSERT ON "audit_log" WHEN NEW.seq IS NULL BEGIN 
            UPDATE sync_clock SET seq = seq + 1, ms = max(ms, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
            UPDATE "audit_log" SET seq = (SELECT seq FROM sync_clock), version = (SELECT printf('%013d-%010d-%s', ms, seq, site) FROM sync_clock),
                origin = coalesce(NEW.origin, (SELECT site FROM sync_clock))
            WHERE id = NEW.id; END;
CREATE TRIGGER "audit_log_stamp_update" AFTER UPDATE ON "audit_log" WHEN NEW.seq IS OLD.seq BEGIN 
            UPDATE sync_clock SET seq = seq + 1, ms = max(ms, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
            UPDATE "audit_log" SET seq = (SELECT seq FROM sync_clock), version = (SELECT printf('%013d-%010d-%s', ms, seq, site) FROM sync_clock),
                origin = coalesce(NEW.origin, (SELECT site FROM sync_clock))
            WHERE id = NEW.id; END;
CREATE TRIGGER "audit_log_no_delete" BEFORE DELETE ON "audit_log" BEGIN SELECT RAISE(ABORT, 'synced rows are never deleted; mark them deleted'); END;
COMMIT;
