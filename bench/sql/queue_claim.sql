WITH j AS (SELECT id FROM jobs WHERE state = 'ready' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) UPDATE jobs SET state = 'taken' FROM j WHERE jobs.id = j.id RETURNING jobs.id;
